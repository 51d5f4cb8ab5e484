using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using Jano.Models.Wan;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Dit;

/// <summary>
/// Class-conditional diffusion transformer for latents [C, T, H, W] (images: T = 1). Its blocks, head and RoPE are Wan2.1's
/// (<see cref="WanAttentionBlock"/>, <see cref="WanHead"/>, <see cref="WanRope"/> with float32 tables, as the shipped models
/// were trained), so one implementation serves both models. Field names are the state_dict keys (Wan2.1's, plus
/// <c>class_embedding</c>). The forward calls every seam point of <see cref="ITransformerHooks"/>; with
/// <see cref="NullHooks"/> it is the plain forward.
/// </summary>
public sealed class DitModel : nn.Module, IDiffusionTransformer
{
    private readonly DitConfig _cfg;
    private readonly WanRope _rope;
    private readonly Conv3d patch_embedding;
    private readonly Embedding class_embedding;
    private readonly Sequential text_embedding;
    private readonly Sequential time_embedding;
    private readonly Sequential time_projection;
    private readonly ModuleList<WanAttentionBlock> blocks;
    private readonly WanHead head;

    public DitModel(DitConfig cfg, Device? device = null, ScalarType dtype = ScalarType.Float32) : base(nameof(DitModel))
    {
        cfg.Validate();
        _cfg = cfg;
        Device = device ?? CPU;
        DType = dtype;
        _rope = new WanRope(cfg.HeadDim, cfg.RopeTheta, ScalarType.Float32);
        patch_embedding = nn.Conv3d(cfg.InChannels, cfg.Dim, (cfg.Patch[0], cfg.Patch[1], cfg.Patch[2]),
            stride: (cfg.Patch[0], cfg.Patch[1], cfg.Patch[2]), device: Device, dtype: dtype);
        class_embedding = nn.Embedding(cfg.NumClasses + 1, (long)cfg.ContextTokens * cfg.TextDim, device: Device, dtype: dtype);
        text_embedding = nn.Sequential(
            nn.Linear(cfg.TextDim, cfg.Dim, device: Device, dtype: dtype),
            nn.GELU(GELU.Approximate.tanh),
            nn.Linear(cfg.Dim, cfg.Dim, device: Device, dtype: dtype));
        time_embedding = nn.Sequential(
            nn.Linear(cfg.FreqDim, cfg.Dim, device: Device, dtype: dtype),
            nn.SiLU(),
            nn.Linear(cfg.Dim, cfg.Dim, device: Device, dtype: dtype));
        time_projection = nn.Sequential(nn.SiLU(), nn.Linear(cfg.Dim, cfg.Dim * 6L, device: Device, dtype: dtype));
        blocks = nn.ModuleList(Enumerable.Range(0, cfg.NumLayers)
            .Select(i => new WanAttentionBlock(i, cfg.Dim, cfg.FfnDim, cfg.NumHeads, cfg.Eps, Device, dtype)).ToArray());
        head = new WanHead(cfg.Dim, HeadOutDim, cfg.Eps, Device, dtype);
        RegisterComponents();
    }

    public DitConfig Config => _cfg;

    public Device Device { get; }

    public ScalarType DType { get; }

    /// <summary>Id of the null (unconditional) class.</summary>
    public int NullClass => _cfg.NumClasses;

    public TransformerDescriptor Describe(long[] latentShape)
    {
        if (latentShape.Length != 4) throw new ArgumentException("latent shape must be [C, T, H, W]");
        if (latentShape[0] != _cfg.InChannels) throw new ArgumentException($"latent has {latentShape[0]} channels, model expects {_cfg.InChannels}");
        for (int i = 0; i < 3; i++)
            if (latentShape[i + 1] % _cfg.Patch[i] != 0)
                throw new ArgumentException($"latent size [{string.Join(", ", latentShape)}] is not a multiple of the patch ({string.Join("x", _cfg.Patch)})");
        return new TransformerDescriptor("dit", _cfg.NumLayers, _cfg.Dim, _cfg.NumHeads, (long[])latentShape.Clone(),
            _cfg.PatchSize, _cfg.ContextTokens, _cfg.FfnDim);
    }

    /// <summary>Deterministic initialisation from <paramref name="seed"/> (independent of torch's global RNG):
    /// linear/conv/embedding weights N(0, 1/fan_in), biases and modulation small, norms 1.</summary>
    public void InitializeWeights(long seed, bool zeroOutput = false)
    {
        using var _ = torch.no_grad();
        using var gen = new Generator((ulong)seed);
        foreach (var (name, p) in named_parameters())
        {
            using var scope = NewDisposeScope();
            Tensor value;
            if (name.EndsWith("norm_q.weight", StringComparison.Ordinal) || name.EndsWith("norm_k.weight", StringComparison.Ordinal) || name.EndsWith("norm3.weight", StringComparison.Ordinal))
                value = torch.ones(p.shape);
            else if (name.EndsWith(".bias", StringComparison.Ordinal))
                value = torch.zeros(p.shape);
            else if (name.EndsWith("modulation", StringComparison.Ordinal))
                value = torch.randn(p.shape, generator: gen).mul(0.02);
            else
            {
                long fanIn = p.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
                if (name == "class_embedding.weight") fanIn = 1;
                value = torch.randn(p.shape, generator: gen).div(Math.Sqrt(Math.Max(1, fanIn)));
            }
            if (zeroOutput && name.StartsWith("head.head.", StringComparison.Ordinal)) value = torch.zeros(p.shape);
            p.copy_(value);
        }
    }

    /// <inheritdoc />
    /// <remarks>Reads <see cref="DiffusionCondition.ClassIds"/> [B] (id <see cref="NullClass"/> is the unconditional class).</remarks>
    public Tensor Forward(Tensor x, Tensor t, DiffusionCondition condition, ITransformerHooks hooks) =>
        Forward(x, t, DiffusionCondition.Require(condition.ClassIds, "class ids", "the class-conditional DiT"), hooks, condition.Cache);

    /// <summary>Velocity for x [B, C, T, H, W] at timesteps t [B] (σ·1000) for class ids <paramref name="context"/> [B].
    /// Returns [B, C, T, H, W] in the model dtype. With a <paramref name="cache"/> (one per context, see
    /// <see cref="ConditionCache"/>) the embedded classes and each layer's cross-attention K/V are computed once per run.</summary>
    public Tensor Forward(Tensor x, Tensor t, Tensor context, ITransformerHooks hooks, ConditionCache? cache = null)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0];
        var tokens = patch_embedding.call(x.As(DType));                         // [B, C, f, h, w]
        var grid = ((int)tokens.shape[2], (int)tokens.shape[3], (int)tokens.shape[4]);
        tokens = tokens.flatten(2).transpose(1, 2);                             // [B, N, C]
        var full = WanBackbone.Forward(tokens, grid, blocks, head, _rope, HeadOutDim, DType, Device, () =>
        {
            var e = time_embedding.call(WanModel.SinusoidalEmbedding(t, _cfg.FreqDim).As(DType)).AsFloat32(); // [B, C]
            var e0 = time_projection.call(e.As(DType)).AsFloat32().unflatten(1, [6, _cfg.Dim]);                // [B, 6, C]
            var ctx = ConditionCache.Reuse(cache, this, "context", () => [text_embedding.call(
                class_embedding.call(context.As(ScalarType.Int64)).view(b, _cfg.ContextTokens, _cfg.TextDim))])[0]; // [B, L, C]
            return (e, e0, ctx);
        }, hooks, cache);                                                             // [B, N, P]
        return WanBackbone.Unpatchify(full, grid, _cfg.PatchSize, _cfg.OutChannels).MoveToOuterDisposeScope(); // [B, C, T, H, W]
    }

    // Values per token produced by the head: C_out · pt · ph · pw.
    private int HeadOutDim => _cfg.OutChannels * _cfg.Patch[0] * _cfg.Patch[1] * _cfg.Patch[2];

    protected override void Dispose(bool disposing)
    {
        if (disposing) _rope.Dispose();
        base.Dispose(disposing);
    }
}
