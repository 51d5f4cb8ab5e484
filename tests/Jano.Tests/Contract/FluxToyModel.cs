using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using Jano.Models.Wan;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Tests.Contract;

/// <summary>
/// A FLUX-shaped toy transformer (black-forest-labs/flux <c>model.py</c>, <c>layers.py</c>, at tiny sizes) that calls every
/// seam point the way a FLUX port must: latents packed 2×2 into image tokens, text tokens from the condition's text
/// embeddings, <c>vec</c> = time embedding + pooled-text vector (+ guidance embedding when given); double-stream blocks
/// (separate image/text modulation, qkv with QK-RMSNorm, projections and MLPs; joint attention over [text; image]) then
/// single-stream blocks on [text; image] (parallel attention and MLP); RoPE over [text ids (0); image ids], text first;
/// final layer on image tokens only. Only image tokens are selected, frozen and cached; text tokens are always computed
/// and always first in K/V. Layer index l counts double blocks first, then single blocks.
/// </summary>
public sealed class FluxToyModel : nn.Module, IDiffusionTransformer
{
    public const int Channels = 4;
    public const int Dim = 32;
    public const int Heads = 2;
    public const int MlpDim = 64;
    public const int TextDim = 16;
    public const int TextTokens = 5;
    public const int PooledDim = 8;
    public const int FreqDim = 32;
    public const int DoubleBlocks = 2;
    public const int SingleBlocks = 2;
    private const int PatchOut = Channels * 4;

    private readonly WanRope _rope = new(Dim / Heads, 10000.0, ScalarType.Float32);
    private readonly Linear img_in;
    private readonly Linear txt_in;
    private readonly Sequential time_in;
    private readonly Linear vector_in;
    private readonly Sequential guidance_in;
    private readonly ModuleList<DoubleStreamBlock> double_blocks;
    private readonly ModuleList<SingleStreamBlock> single_blocks;
    private readonly FinalLayer final_layer;

    public FluxToyModel(long seed = 5) : base(nameof(FluxToyModel))
    {
        img_in = nn.Linear(PatchOut, Dim);
        txt_in = nn.Linear(TextDim, Dim);
        time_in = nn.Sequential(nn.Linear(FreqDim, Dim), nn.SiLU(), nn.Linear(Dim, Dim));
        vector_in = nn.Linear(PooledDim, Dim);
        guidance_in = nn.Sequential(nn.Linear(FreqDim, Dim), nn.SiLU(), nn.Linear(Dim, Dim));
        double_blocks = nn.ModuleList(Enumerable.Range(0, DoubleBlocks).Select(i => new DoubleStreamBlock(i)).ToArray());
        single_blocks = nn.ModuleList(Enumerable.Range(0, SingleBlocks).Select(i => new SingleStreamBlock(DoubleBlocks + i)).ToArray());
        final_layer = new FinalLayer();
        RegisterComponents();
        using var _ = torch.no_grad();
        using var gen = new Generator((ulong)seed);
        foreach (var (name, p) in named_parameters())
        {
            using var scope = NewDisposeScope();
            Tensor value = name.EndsWith("norm.weight", StringComparison.Ordinal) ? torch.ones(p.shape)
                : name.EndsWith(".bias", StringComparison.Ordinal) ? torch.randn(p.shape, generator: gen).mul(0.02)
                : torch.randn(p.shape, generator: gen).div(Math.Sqrt(p.shape.Skip(1).Aggregate(1L, (a, b) => a * b)));
            p.copy_(value);
        }
        eval();
    }

    public Device Device => CPU;

    public ScalarType DType => ScalarType.Float32;

    public TransformerDescriptor Describe(long[] latentShape)
    {
        if (latentShape.Length != 4 || latentShape[0] != Channels || latentShape[1] != 1 || latentShape[2] % 2 != 0 || latentShape[3] % 2 != 0)
            throw new ArgumentException($"latent must be [{Channels}, 1, H, W] with even H and W");
        return new TransformerDescriptor("flux-toy", DoubleBlocks + SingleBlocks, Dim, Heads, (long[])latentShape.Clone(), (1, 2, 2), TextTokens, MlpDim);
    }

    /// <summary>A seeded condition: text embeddings [1, L, TextDim] and a pooled vector [1, PooledDim].</summary>
    public static DiffusionCondition Condition(long seed) => new()
    {
        TextEmbeddings = TestModels.Randn(seed, 1, TextTokens, TextDim),
        PooledText = TestModels.Randn(seed + 1, 1, PooledDim),
    };

    public Tensor Forward(Tensor x, Tensor t, DiffusionCondition condition, ITransformerHooks hooks)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], hh = x.shape[3] / 2, ww = x.shape[4] / 2;
        var grid = (1, (int)hh, (int)ww);
        var packed = x.view(b, Channels, hh, 2, ww, 2).permute(0, 2, 4, 1, 3, 5).reshape(b, hh * ww, PatchOut); // [B, N, C·4]
        var img = img_in.call(packed);                                                                           // [B, N, D]
        var txt = txt_in.call(DiffusionCondition.Require(condition.TextEmbeddings, "text embeddings", "the FLUX toy"));   // [B, L, D]
        var vec = time_in.call(WanModel.SinusoidalEmbedding(t, FreqDim))
            .Plus(vector_in.call(DiffusionCondition.Require(condition.PooledText, "pooled text vector", "the FLUX toy")));  // [B, D]
        if (condition.Guidance is { } g)
        {
            using var thousand = 1000.0.ToScalar();
            vec = vec.Plus(guidance_in.call(WanModel.SinusoidalEmbedding(g.mul(thousand), FreqDim)));
        }
        int total = (int)img.shape[1];

        // seam: token selection (image tokens only; text tokens are always computed)
        var selection = hooks.SelectTokens(total);
        var (cosAll, sinAll) = _rope.Table(grid, CPU);                                 // [N, D/2]
        Tensor output;                                                                 // [B, n, P]
        if (selection.IsEmpty) output = torch.empty([b, 0, PatchOut]);
        else
        {
            var h = selection.Gather(img, 1);                                          // [B, n, D]
            var rope = new Rope(selection.Gather(cosAll, 0), selection.Gather(sinAll, 0), cosAll, sinAll,
                torch.ones([TextTokens, Dim / Heads / 2]), torch.zeros([TextTokens, Dim / Heads / 2]));
            // seam: around the block stack; the probe is the first double block's modulated image input
            h = hooks.RunBlockStack(h, () => double_blocks[0].ModulatedImage(h, vec), hs =>
            {
                var ts = txt;
                foreach (var block in double_blocks) (hs, ts) = block.Forward(hs, ts, vec, rope, hooks);
                foreach (var block in single_blocks) (hs, ts) = block.Forward(hs, ts, vec, rope, hooks);
                return hs;
            });
            output = final_layer.Forward(h, vec);                                      // [B, n, P]
        }
        // seam: after the head (skipped image rows come from the accelerator's buffer)
        var full = hooks.ComposeOutput(output, selection);                             // [B, N, P]
        var y = full.view(b, hh, ww, Channels, 2, 2).permute(0, 3, 1, 4, 2, 5).reshape(b, Channels, 1, hh * 2, ww * 2); // [B, C, 1, H, W]
        return y.MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _rope.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>RoPE tables: selected image rows, every image row (for extra K/V rows), text rows (identity, ids 0).</summary>
    private sealed record Rope(Tensor Cos, Tensor Sin, Tensor CosAll, Tensor SinAll, Tensor TextCos, Tensor TextSin);

    // LayerNorm(x)·(1 + scale) + shift, written without Scalars.
    private static Tensor Modulate(Tensor x, Tensor shift, Tensor scale)
    {
        var normed = nn.functional.layer_norm(x, [Dim], eps: 1e-6);
        return normed.mul(scale).Plus(normed).Plus(shift);
    }

    // [B, m, D] → [B, m, H, Dh]
    private static Tensor Heads4(Tensor x) => x.view(x.shape[0], x.shape[1], Heads, Dim / Heads);

    // Joint attention over [text; image]: q/k/v of each stream [B, ·, H, Dh] after QK-norm and RoPE; the image K/V may get extra
    // rows (hidden-mode Jano) and the seam's K/V point. Returns the attention output per stream before projection.
    private static (Tensor Image, Tensor Text) JointAttention(int layer, (Tensor Q, Tensor K, Tensor V) image, (Tensor Q, Tensor K, Tensor V) text,
        Tensor imageInput, Func<Tensor, (Tensor K, Tensor V)> imageKv, Rope rope, ITransformerHooks hooks)
    {
        long b = image.Q.shape[0], n = image.Q.shape[1];
        var qi = WanRope.Apply(image.Q, rope.Cos, rope.Sin);
        var ki = WanRope.Apply(image.K, rope.Cos, rope.Sin);
        var vi = image.V;
        // seam: extra K/V input rows of frozen image tokens (hidden-state caches), before the K/V projections
        if (hooks.ExtraKeyValueInput(layer, imageInput) is { } extra)
        {
            var (ek, ev) = imageKv(extra.Input);                                       // [B, e, H, Dh]
            var pos = extra.Positions;
            ki = torch.cat([ki, WanRope.Apply(ek, rope.CosAll.index_select(0, pos), rope.SinAll.index_select(0, pos))], 1);
            vi = torch.cat([vi, ev], 1);
        }
        var qt = WanRope.Apply(text.Q, rope.TextCos, rope.TextSin);
        var kt = WanRope.Apply(text.K, rope.TextCos, rope.TextSin);
        // seam: K/V after projection, QK-norm and RoPE: text rows first, then the image rows (cached ones appended)
        var kv = hooks.ExtendKeyValues(layer, new KeyValues(torch.cat([kt, ki], 1), torch.cat([text.V, vi], 1), TextTokens)); // [B, L + n', H, Dh]
        var q = torch.cat([qt, qi], 1);                                                // [B, L + n, H, Dh]
        var o = nn.functional.scaled_dot_product_attention(q.transpose(1, 2), kv.K.transpose(1, 2), kv.V.transpose(1, 2))
            .transpose(1, 2).reshape(b, TextTokens + n, Dim);                          // [B, L + n, D]
        return (o.narrow(1, TextTokens, n), o.narrow(1, 0, TextTokens));
    }

    private sealed class DoubleStreamBlock : nn.Module
    {
        private readonly int _layer;
        private readonly Linear img_mod;
        private readonly Linear img_qkv;
        private readonly WanRmsNorm img_q_norm;
        private readonly WanRmsNorm img_k_norm;
        private readonly Linear img_proj;
        private readonly Sequential img_mlp;
        private readonly Linear txt_mod;
        private readonly Linear txt_qkv;
        private readonly WanRmsNorm txt_q_norm;
        private readonly WanRmsNorm txt_k_norm;
        private readonly Linear txt_proj;
        private readonly Sequential txt_mlp;

        public DoubleStreamBlock(int layer) : base(nameof(DoubleStreamBlock))
        {
            _layer = layer;
            img_mod = nn.Linear(Dim, 6 * Dim);
            img_qkv = nn.Linear(Dim, 3 * Dim);
            img_q_norm = new WanRmsNorm(Dim / Heads, 1e-6);
            img_k_norm = new WanRmsNorm(Dim / Heads, 1e-6);
            img_proj = nn.Linear(Dim, Dim);
            img_mlp = nn.Sequential(nn.Linear(Dim, MlpDim), nn.GELU(GELU.Approximate.tanh), nn.Linear(MlpDim, Dim));
            txt_mod = nn.Linear(Dim, 6 * Dim);
            txt_qkv = nn.Linear(Dim, 3 * Dim);
            txt_q_norm = new WanRmsNorm(Dim / Heads, 1e-6);
            txt_k_norm = new WanRmsNorm(Dim / Heads, 1e-6);
            txt_proj = nn.Linear(Dim, Dim);
            txt_mlp = nn.Sequential(nn.Linear(Dim, MlpDim), nn.GELU(GELU.Approximate.tanh), nn.Linear(MlpDim, Dim));
            RegisterComponents();
        }

        /// <summary>The image stream's modulated attention input [B, n, D] (TeaCache's probe).</summary>
        public Tensor ModulatedImage(Tensor img, Tensor vec)
        {
            using var scope = NewDisposeScope();
            var m = img_mod.call(nn.functional.silu(vec)).unsqueeze(1).chunk(6, -1);       // 6 × [B, 1, D]
            return Modulate(img, m[0], m[1]).MoveToOuterDisposeScope();
        }

        public (Tensor Image, Tensor Text) Forward(Tensor img, Tensor txt, Tensor vec, Rope rope, ITransformerHooks hooks)
        {
            using var scope = NewDisposeScope();
            var im = img_mod.call(nn.functional.silu(vec)).unsqueeze(1).chunk(6, -1);      // shift, scale, gate (attn, then MLP)
            var tm = txt_mod.call(nn.functional.silu(vec)).unsqueeze(1).chunk(6, -1);
            // seam: joint attention over [text; image]
            var a = hooks.RunAttention(_layer, AttentionKind.Joint, new TokenStreams(Modulate(img, im[0], im[1]), Modulate(txt, tm[0], tm[1])), s =>
            {
                var (io, to) = JointAttention(_layer, Qkv(img_qkv, img_q_norm, img_k_norm, s.Image), Qkv(txt_qkv, txt_q_norm, txt_k_norm, s.Text!),
                    s.Image, e => { var (_, k, v) = Qkv(img_qkv, img_q_norm, img_k_norm, e); return (k, v); }, rope, hooks);
                return new TokenStreams(img_proj.call(io), txt_proj.call(to));
            });
            img = img.Plus(a.Image.mul(im[2]));
            txt = txt.Plus(a.Text!.mul(tm[2]));
            // seam: MLP of both streams
            var f = hooks.RunMlp(_layer, new TokenStreams(Modulate(img, im[3], im[4]), Modulate(txt, tm[3], tm[4])),
                s => new TokenStreams(img_mlp.call(s.Image), txt_mlp.call(s.Text!)));
            img = img.Plus(f.Image.mul(im[5]));
            txt = txt.Plus(f.Text!.mul(tm[5]));
            return (img.MoveToOuterDisposeScope(), txt.MoveToOuterDisposeScope());
        }

        private static (Tensor Q, Tensor K, Tensor V) Qkv(Linear qkv, WanRmsNorm qNorm, WanRmsNorm kNorm, Tensor x)
        {
            var parts = qkv.call(x).chunk(3, -1);                                           // 3 × [B, m, D]
            return (qNorm.call(Heads4(parts[0])), kNorm.call(Heads4(parts[1])), Heads4(parts[2]));
        }
    }

    private sealed class SingleStreamBlock : nn.Module
    {
        private readonly int _layer;
        private readonly Linear modulation;
        private readonly Linear qkv;
        private readonly WanRmsNorm q_norm;
        private readonly WanRmsNorm k_norm;
        private readonly Linear proj_attn;
        private readonly Sequential mlp;

        public SingleStreamBlock(int layer) : base(nameof(SingleStreamBlock))
        {
            _layer = layer;
            modulation = nn.Linear(Dim, 3 * Dim);
            qkv = nn.Linear(Dim, 3 * Dim);
            q_norm = new WanRmsNorm(Dim / Heads, 1e-6);
            k_norm = new WanRmsNorm(Dim / Heads, 1e-6);
            proj_attn = nn.Linear(Dim, Dim);
            mlp = nn.Sequential(nn.Linear(Dim, MlpDim), nn.GELU(GELU.Approximate.tanh), nn.Linear(MlpDim, Dim));
            RegisterComponents();
        }

        public (Tensor Image, Tensor Text) Forward(Tensor img, Tensor txt, Tensor vec, Rope rope, ITransformerHooks hooks)
        {
            using var scope = NewDisposeScope();
            var m = modulation.call(nn.functional.silu(vec)).unsqueeze(1).chunk(3, -1);   // shift, scale, gate
            var inputs = new TokenStreams(Modulate(img, m[0], m[1]), Modulate(txt, m[0], m[1]));
            // seam: joint attention over [text; image] (one set of weights for both streams)
            var a = hooks.RunAttention(_layer, AttentionKind.Joint, inputs, s =>
            {
                var (io, to) = JointAttention(_layer, Qkv(s.Image), Qkv(s.Text!), s.Image, e => { var (_, k, v) = Qkv(e); return (k, v); }, rope, hooks);
                var projected = proj_attn.call(torch.cat([to, io], 1));                       // [B, L + n, D]
                return new TokenStreams(projected.narrow(1, TextTokens, io.shape[1]), projected.narrow(1, 0, TextTokens));
            });
            // seam: the parallel MLP on [text; image]
            var f = hooks.RunMlp(_layer, inputs, s =>
            {
                var y = mlp.call(torch.cat([s.Text!, s.Image], 1));                           // [B, L + n, D]
                return new TokenStreams(y.narrow(1, TextTokens, s.Image.shape[1]), y.narrow(1, 0, TextTokens));
            });
            img = img.Plus(a.Image.Plus(f.Image).mul(m[2]));
            txt = txt.Plus(a.Text!.Plus(f.Text!).mul(m[2]));
            return (img.MoveToOuterDisposeScope(), txt.MoveToOuterDisposeScope());
        }

        private (Tensor Q, Tensor K, Tensor V) Qkv(Tensor x)
        {
            var parts = qkv.call(x).chunk(3, -1);                                           // 3 × [B, m, D]
            return (q_norm.call(Heads4(parts[0])), k_norm.call(Heads4(parts[1])), Heads4(parts[2]));
        }
    }

    private sealed class FinalLayer : nn.Module
    {
        private readonly Linear adaLN_modulation;
        private readonly Linear linear;

        public FinalLayer() : base(nameof(FinalLayer))
        {
            adaLN_modulation = nn.Linear(Dim, 2 * Dim);
            linear = nn.Linear(Dim, PatchOut);
            RegisterComponents();
        }

        /// <summary>img [B, n, D], vec [B, D] → [B, n, C·4].</summary>
        public Tensor Forward(Tensor img, Tensor vec)
        {
            using var scope = NewDisposeScope();
            var m = adaLN_modulation.call(nn.functional.silu(vec)).unsqueeze(1).chunk(2, -1); // shift, scale
            return linear.call(Modulate(img, m[0], m[1])).MoveToOuterDisposeScope();
        }
    }
}
