using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Flux;

/// <summary>
/// The FLUX.1 flow transformer (the official <c>Flux</c> of black-forest-labs/flux <c>src/flux/model.py</c>, commit 802fb47).
/// Field names are the official state_dict keys (<c>img_in</c>, <c>time_in</c>, <c>vector_in</c>, <c>guidance_in</c> (dev only),
/// <c>txt_in</c>, <c>double_blocks.N</c>, <c>single_blocks.N</c>, <c>final_layer</c>), so the release's
/// <c>flux1-dev.safetensors</c> loads strictly by name. Latents are the VAE's [B, 16, H, W] (or [B, 16, 1, H, W]); the model
/// packs 2×2 patches into tokens and unpacks its velocity as the official <c>prepare()</c>/<c>unpack()</c> do.
/// <para>Seam: only image tokens are selectable (<see cref="ITransformerHooks.SelectTokens"/> over the image tokens); text
/// tokens are always computed and always first in every attention. Image K/V pass <see cref="ITransformerHooks.ExtendKeyValues"/>
/// after RoPE in every block (layer index: double blocks 0…depth−1, then single blocks), and extra K/V input rows
/// (<see cref="ITransformerHooks.ExtraKeyValueInput"/>) are the qkv / linear1 inputs of image tokens.
/// <see cref="ITransformerHooks.RunBlockStack"/> wraps both stacks (probe: block 0's modulated image input),
/// <see cref="ITransformerHooks.RunBlock"/> each block on the image stream (the text stream rides along inside the block call),
/// and <see cref="ITransformerHooks.ComposeOutput"/> follows the final layer. <see cref="ITransformerHooks.RunAttention"/> is
/// not called: it carries one stream, FLUX's joint attention two.</para>
/// Numerics as the official code: timestep and guidance embeddings in fp32, RMSNorm in fp32, RoPE applied in fp32
/// (tables from float64 angles), everything else in the model dtype.
/// </summary>
public sealed class FluxModel : nn.Module, IDiffusionTransformer
{
    private readonly FluxConfig _cfg;
    private readonly FluxRope _rope;
    private readonly Linear img_in;
    private readonly FluxMlpEmbedder time_in;
    private readonly FluxMlpEmbedder vector_in;
    private readonly FluxMlpEmbedder? guidance_in;
    private readonly Linear txt_in;
    private readonly ModuleList<FluxDoubleStreamBlock> double_blocks;
    private readonly ModuleList<FluxSingleStreamBlock> single_blocks;
    private readonly FluxLastLayer final_layer;

    /// <summary>Builds the model on <paramref name="device"/> (CPU by default; META for shape checks) in <paramref name="dtype"/>.</summary>
    public FluxModel(FluxConfig cfg, Device? device = null, ScalarType dtype = ScalarType.Float32) : base(nameof(FluxModel))
    {
        ArgumentNullException.ThrowIfNull(cfg);
        cfg.Validate();
        _cfg = cfg;
        Device = device ?? CPU;
        DType = dtype;
        _rope = new FluxRope(cfg.AxesDim, cfg.Theta);
        int c = cfg.HiddenSize;
        img_in = nn.Linear(cfg.InChannels, c, hasBias: true, device: Device, dtype: dtype);
        time_in = new FluxMlpEmbedder(FluxMath.TimestepDim, c, Device, dtype);
        vector_in = new FluxMlpEmbedder(cfg.VecInDim, c, Device, dtype);
        guidance_in = cfg.GuidanceEmbed ? new FluxMlpEmbedder(FluxMath.TimestepDim, c, Device, dtype) : null;
        txt_in = nn.Linear(cfg.ContextInDim, c, hasBias: true, device: Device, dtype: dtype);
        double_blocks = nn.ModuleList(Enumerable.Range(0, cfg.Depth).Select(i => new FluxDoubleStreamBlock(i, cfg, Device, dtype)).ToArray());
        single_blocks = nn.ModuleList(Enumerable.Range(0, cfg.DepthSingleBlocks)
            .Select(i => new FluxSingleStreamBlock(cfg.Depth + i, cfg, Device, dtype)).ToArray());
        final_layer = new FluxLastLayer(c, cfg.OutChannels, Device, dtype);
        RegisterComponents();
    }

    /// <summary>The model's sizes.</summary>
    public FluxConfig Config => _cfg;

    /// <inheritdoc />
    public Device Device { get; }

    /// <inheritdoc />
    public ScalarType DType { get; }

    /// <inheritdoc />
    /// <remarks>Latent [C, 1, H, W] with C = in_channels / 4 and even H, W; the token grid is (1, H/2, W/2); layers count
    /// double and single blocks; context tokens are <see cref="FluxConfig.T5MaxLength"/>.</remarks>
    public TransformerDescriptor Describe(long[] latentShape)
    {
        ArgumentNullException.ThrowIfNull(latentShape);
        if (latentShape.Length != 4 || latentShape[1] != 1)
            throw new ArgumentException($"a FLUX latent shape must be [C, 1, H, W], got [{string.Join(", ", latentShape)}]");
        if (latentShape[0] != _cfg.LatentChannels)
            throw new ArgumentException($"latent has {latentShape[0]} channels, model expects {_cfg.LatentChannels}");
        if (latentShape[2] % 2 != 0 || latentShape[3] % 2 != 0 || latentShape[2] < 2 || latentShape[3] < 2)
            throw new ArgumentException($"latent size [{string.Join(", ", latentShape)}] is not a multiple of the 2x2 packing");
        return new TransformerDescriptor("flux.1", _cfg.TotalBlocks, _cfg.HiddenSize, _cfg.NumHeads, (long[])latentShape.Clone(),
            (1, 2, 2), _cfg.T5MaxLength, _cfg.MlpHiddenDim);
    }

    /// <summary>The current seam's entry: <paramref name="context"/> is a condition packed by <see cref="FluxCondition.ToContext"/>.</summary>
    public Tensor Forward(Tensor x, Tensor t, Tensor context, ITransformerHooks hooks)
    {
        using var scope = NewDisposeScope();
        return Forward(x, t, FluxCondition.FromContext(context, _cfg), hooks).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Velocity for latents x [B, C, H, W] or [B, C, 1, H, W] at timesteps t [B] (σ·1000, i.e. the official
    /// <c>time_factor · t</c>), conditioned on <paramref name="cond"/>. Returns x's shape in the model dtype.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor t, FluxCondition cond, ITransformerHooks hooks)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(cond);
        ArgumentNullException.ThrowIfNull(hooks);
        bool video = x.dim() == 5;
        if (!(x.dim() == 4 || (video && x.shape[2] == 1)) || x.shape[1] != _cfg.LatentChannels)
            throw new ArgumentException($"FLUX latents must be [B, {_cfg.LatentChannels}, H, W] or [B, {_cfg.LatentChannels}, 1, H, W], got [{string.Join(", ", x.shape)}]");
        long b = x.shape[0];
        if (t.dim() != 1 || t.shape[0] != b) throw new ArgumentException($"timesteps must be [{b}], got [{string.Join(", ", t.shape)}]");
        cond.Validate(_cfg, b);

        using var scope = NewDisposeScope();
        var latent = video ? x.squeeze(2) : x;                                   // [B, C, H, W]
        int gh = (int)latent.shape[2] / 2, gw = (int)latent.shape[3] / 2;
        var tokens = img_in.call(FluxMath.Pack(latent.to(DType)));               // [B, N, C]
        int total = gh * gw;

        // seam: token selection over the image tokens only (text tokens are always computed)
        var selection = hooks.SelectTokens(total);
        Tensor output;                                                           // [B, n, out]
        if (selection.IsEmpty)
        {
            output = torch.empty([b, 0, _cfg.OutChannels], dtype: DType, device: Device);
        }
        else
        {
            var stackIn = selection.Gather(tokens, 1);                           // [B, n, C]
            var vec = Vector(t, cond);                                           // [B, C]
            var txt = txt_in.call(cond.Txt.to(DType, Device));                   // [B, L, C]
            int l = (int)txt.shape[1];
            var tables = _rope.Table(l, gh, gw, Device);
            var imageCos = selection.Gather(tables.ImageCos, 0);                 // [n, D/2]
            var imageSin = selection.Gather(tables.ImageSin, 0);
            var pos = new FluxPositions(tables.TextCos, tables.TextSin, imageCos, imageSin, tables.ImageCos, tables.ImageSin,
                torch.cat([tables.TextCos, imageCos], 0), torch.cat([tables.TextSin, imageSin], 0)); // joint [L + n, D/2]

            // seam: around the block stack (step-level caches may skip it); the text stream lives inside
            var img = hooks.RunBlockStack(stackIn, () => double_blocks[0].ModulatedImageInput(stackIn, vec), hs =>
            {
                var stream = txt;
                for (int i = 0; i < double_blocks.Count; i++)
                {
                    var block = double_blocks[i];
                    // seam: each block, on the image stream
                    hs = hooks.RunBlock(i, hs, xi =>
                    {
                        var (ni, nt) = block.Forward(xi, stream, vec, pos, hooks);
                        stream = nt;
                        return ni;
                    });
                }
                for (int i = 0; i < single_blocks.Count; i++)
                {
                    var block = single_blocks[i];
                    // seam: each block, on the image stream
                    hs = hooks.RunBlock(_cfg.Depth + i, hs, xi =>
                    {
                        var (nt, ni) = block.Forward(stream, xi, vec, pos, hooks);
                        stream = nt;
                        return ni;
                    });
                }
                return hs;
            });
            output = final_layer.Forward(img, vec);                              // [B, n, out]
        }

        // seam: after the final layer (rows not computed come from the accelerator's buffer)
        var full = hooks.ComposeOutput(output, selection);                       // [B, N, out]
        var velocity = FluxMath.Unpack(full, gh, gw);                            // [B, out/4, H, W]
        return (video ? velocity.unsqueeze(2) : velocity).MoveToOuterDisposeScope();
    }

    // vec = time_in(emb(t)) [+ guidance_in(emb(1000·g))] + vector_in(y), [B, C].
    private Tensor Vector(Tensor t, FluxCondition cond)
    {
        using var scope = NewDisposeScope();
        var vec = time_in.call(FluxMath.TimestepEmbedding(t.to(Device)).to(DType));
        if (guidance_in is not null)
        {
            var g = cond.Guidance!.to(DType, Device).mul(GuidanceFactor);        // the official guidance_vec is in the model dtype
            vec = vec.add(guidance_in.call(FluxMath.TimestepEmbedding(g).to(DType)));
        }
        vec = vec.add(vector_in.call(cond.Vec.to(DType, Device)));
        return vec.MoveToOuterDisposeScope();
    }

    private static readonly Scalar GuidanceFactor = FluxMath.TimeFactor.ToScalar();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _rope.Dispose();
        base.Dispose(disposing);
    }
}
