using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Jano.Core.Tensors;

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
/// <see cref="ITransformerHooks.RunBlockStack"/> wraps both stacks (probe: block 0's modulated image input), every block
/// calls <see cref="ITransformerHooks.RunAttention"/> (<see cref="AttentionKind.Joint"/>, image and text streams) and
/// <see cref="ITransformerHooks.RunMlp"/> (both streams), and <see cref="ITransformerHooks.ComposeOutput"/> follows the final
/// layer. A single block's fused <c>linear2</c> is linear, so it is split by its input columns: the attention columns (and the
/// bias) inside the attention point, the MLP columns inside the MLP point; the two outputs add before the gate.</para>
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

    /// <summary>
    /// Velocity for latents x [B, C, H, W] or [B, C, 1, H, W] at timesteps t [B] (σ·1000, i.e. the official
    /// <c>time_factor · t</c>), conditioned on <paramref name="condition"/>: <see cref="DiffusionCondition.TextEmbeddings"/> (T5
    /// states [B, L, context_in_dim]), <see cref="DiffusionCondition.PooledText"/> (CLIP pooled [B, vec_in_dim]) and, for
    /// guidance-distilled models (dev), <see cref="DiffusionCondition.Guidance"/> [B]. Position ids are built as the official
    /// <c>prepare()</c> does (text ids zero, image ids (0, row, column)); supplied ids are rejected. Returns x's shape in the model dtype.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor t, DiffusionCondition condition, ITransformerHooks hooks)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(hooks);
        bool video = x.dim() == 5;
        if (!(x.dim() == 4 || (video && x.shape[2] == 1)) || x.shape[1] != _cfg.LatentChannels)
            throw new ArgumentException($"FLUX latents must be [B, {_cfg.LatentChannels}, H, W] or [B, {_cfg.LatentChannels}, 1, H, W], got [{string.Join(", ", x.shape)}]");
        long b = x.shape[0];
        if (t.dim() != 1 || t.shape[0] != b) throw new ArgumentException($"timesteps must be [{b}], got [{string.Join(", ", t.shape)}]");
        var (txtIn, pooled, guidance) = Validate(condition, b);

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
            var vec = Vector(t, pooled, guidance);                                           // [B, C]
            var txt = txt_in.call(txtIn.to(DType, Device));                   // [B, L, C]
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
                foreach (var block in double_blocks) (hs, stream) = block.Forward(hs, stream, vec, pos, hooks);
                foreach (var block in single_blocks) (stream, hs) = block.Forward(stream, hs, vec, pos, hooks);
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
    private Tensor Vector(Tensor t, Tensor pooled, Tensor? guidance)
    {
        using var scope = NewDisposeScope();
        var vec = time_in.call(FluxMath.TimestepEmbedding(t.to(Device)).to(DType));
        if (guidance_in is not null)
        {
            var g = guidance!.to(DType, Device).mul(GuidanceFactor);        // the official guidance_vec is in the model dtype
            vec = vec.Plus(guidance_in.call(FluxMath.TimestepEmbedding(g).to(DType)));
        }
        vec = vec.Plus(vector_in.call(pooled.to(DType, Device)));
        return vec.MoveToOuterDisposeScope();
    }

    // The members this port reads, checked against the config and batch (one-line messages naming the member).
    private (Tensor Txt, Tensor Vec, Tensor? Guidance) Validate(DiffusionCondition condition, long batch)
    {
        var txt = DiffusionCondition.Require(condition.TextEmbeddings, "text embeddings", "FLUX");
        var vec = DiffusionCondition.Require(condition.PooledText, "pooled text vector", "FLUX");
        var guidance = condition.Guidance;
        if (txt.dim() != 3 || txt.shape[0] != batch || txt.shape[2] != _cfg.ContextInDim)
            throw new ArgumentException($"FLUX text embeddings must be [{batch}, L, {_cfg.ContextInDim}], got [{string.Join(", ", txt.shape)}]");
        if (vec.dim() != 2 || vec.shape[0] != batch || vec.shape[1] != _cfg.VecInDim)
            throw new ArgumentException($"FLUX pooled vector must be [{batch}, {_cfg.VecInDim}], got [{string.Join(", ", vec.shape)}]");
        if (_cfg.GuidanceEmbed && guidance is null)
            throw new ArgumentException("FLUX needs the condition's guidance (a guidance-distilled model)");
        if (guidance is not null && (guidance.dim() != 1 || guidance.shape[0] != batch))
            throw new ArgumentException($"FLUX guidance must be [{batch}], got [{string.Join(", ", guidance.shape)}]");
        if (condition.TextIds is not null || condition.ImageIds is not null)
            throw new ArgumentException("the FLUX port builds its own position ids (as the official prepare()); the condition must not carry them");
        return (txt, vec, guidance);
    }

    private static readonly Scalar GuidanceFactor = FluxMath.TimeFactor.ToScalar();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _rope.Dispose();
        base.Dispose(disposing);
    }
}
