using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Wan;

/// <summary>
/// Wan2.1 text-to-video diffusion transformer (the official <c>WanModel</c>, <c>model_type='t2v'</c>). Field names are the
/// official state_dict keys. Latents are [B, C_in, T, H, W]; the condition is the text encoder's embeddings
/// [B, L, text_dim] with L ≤ text_len, zero-padded to text_len before <c>text_embedding</c> as Wan does.
/// The forward calls every seam point of <see cref="ITransformerHooks"/>; with <see cref="NullHooks"/> it is the plain forward.
/// Numerics follow the official code: float64 sinusoidal time embedding and RoPE, fp32 modulation and residual stream.
/// </summary>
public sealed class WanModel : nn.Module, IDiffusionTransformer
{
    private readonly WanConfig _cfg;
    private readonly WanRope _rope;
    private readonly Conv3d patch_embedding;
    private readonly Sequential text_embedding;
    private readonly Sequential time_embedding;
    private readonly Sequential time_projection;
    private readonly ModuleList<WanAttentionBlock> blocks;
    private readonly WanHead head;

    /// <summary>Builds the model on <paramref name="device"/> (CPU by default; META for shape checks) in <paramref name="dtype"/>.</summary>
    public WanModel(WanConfig cfg, Device? device = null, ScalarType dtype = ScalarType.Float32) : base(nameof(WanModel))
    {
        cfg.Validate();
        _cfg = cfg;
        Device = device ?? CPU;
        DType = dtype;
        _rope = new WanRope(cfg.HeadDim, cfg.RopeTheta);
        var p = cfg.Patch;
        patch_embedding = nn.Conv3d(cfg.InDim, cfg.Dim, (p.T, p.H, p.W), stride: (p.T, p.H, p.W), device: Device, dtype: dtype);
        text_embedding = nn.Sequential(
            nn.Linear(cfg.TextDim, cfg.Dim, device: Device, dtype: dtype),
            nn.GELU(GELU.Approximate.tanh),
            nn.Linear(cfg.Dim, cfg.Dim, device: Device, dtype: dtype));
        time_embedding = nn.Sequential(
            nn.Linear(cfg.FreqDim, cfg.Dim, device: Device, dtype: dtype),
            nn.SiLU(),
            nn.Linear(cfg.Dim, cfg.Dim, device: Device, dtype: dtype));
        time_projection = nn.Sequential(nn.SiLU(), nn.Linear(cfg.Dim, cfg.Dim * 6L, device: Device, dtype: dtype));
        blocks = nn.ModuleList(Enumerable.Range(0, cfg.NumLayers).Select(i => new WanAttentionBlock(i, cfg, Device, dtype)).ToArray());
        head = new WanHead(cfg, Device, dtype);
        RegisterComponents();
    }

    /// <summary>The model's sizes.</summary>
    public WanConfig Config => _cfg;

    /// <inheritdoc />
    public Device Device { get; }

    /// <inheritdoc />
    public ScalarType DType { get; }

    /// <inheritdoc />
    public TransformerDescriptor Describe(long[] latentShape)
    {
        if (latentShape.Length != 4) throw new ArgumentException("latent shape must be [C, T, H, W]");
        if (latentShape[0] != _cfg.InDim) throw new ArgumentException($"latent has {latentShape[0]} channels, model expects {_cfg.InDim}");
        for (int i = 0; i < 3; i++)
            if (latentShape[i + 1] % _cfg.PatchSize[i] != 0)
                throw new ArgumentException($"latent size [{string.Join(", ", latentShape)}] is not a multiple of the patch ({string.Join("x", _cfg.PatchSize)})");
        return new TransformerDescriptor("wan2.1", _cfg.NumLayers, _cfg.Dim, _cfg.NumHeads, (long[])latentShape.Clone(),
            _cfg.Patch, _cfg.TextLen, _cfg.FfnDim);
    }

    /// <inheritdoc />
    /// <remarks>Reads <see cref="DiffusionCondition.TextEmbeddings"/> [B, L, text_dim] (L ≤ text_len).</remarks>
    public Tensor Forward(Tensor x, Tensor t, DiffusionCondition condition, ITransformerHooks hooks) =>
        Forward(x, t, DiffusionCondition.Require(condition.TextEmbeddings, "text embeddings", "Wan2.1"), hooks, condition.Cache);

    /// <summary>
    /// Velocity for x [B, C_in, T, H, W] at timesteps t [B] (σ·1000), text embeddings context [B, L, text_dim] (L ≤ text_len).
    /// Returns [B, C_out, T, H, W] in the model dtype. With a <paramref name="cache"/> (one per context, see
    /// <see cref="ConditionCache"/>) the embedded text and each layer's cross-attention K/V are computed once per run.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor t, Tensor context, ITransformerHooks hooks, ConditionCache? cache = null)
    {
        using var scope = NewDisposeScope();
        var tokens = patch_embedding.call(x.As(DType));                         // [B, C, f, h, w]
        var grid = ((int)tokens.shape[2], (int)tokens.shape[3], (int)tokens.shape[4]);
        tokens = tokens.flatten(2).transpose(1, 2);                             // [B, N, C]
        var full = WanBackbone.Forward(tokens, grid, blocks, head, _rope, _cfg.HeadOutDim, DType, Device, () =>
        {
            // fp32 island: time embedding and its six modulation vectors
            var e = time_embedding.call(SinusoidalEmbedding(t, _cfg.FreqDim).As(DType)).AsFloat32();   // [B, C]
            var e0 = time_projection.call(e.As(DType)).AsFloat32().unflatten(1, [6, _cfg.Dim]);        // [B, 6, C]
            var ctx = ConditionCache.Reuse(cache, this, "context", () => [text_embedding.call(PadContext(context).As(DType))])[0]; // [B, text_len, C]
            return (e, e0, ctx);
        }, hooks, cache);                                                            // [B, N, P]
        return WanBackbone.Unpatchify(full, grid, _cfg.Patch, _cfg.OutDim).MoveToOuterDisposeScope(); // [B, C, T, H, W]
    }

    // [B, L, text_dim] → [B, text_len, text_dim], zero rows appended (Wan pads before text_embedding).
    private Tensor PadContext(Tensor context)
    {
        if (context.dim() != 3 || context.shape[2] != _cfg.TextDim)
            throw new ArgumentException($"context must be [B, L, {_cfg.TextDim}], got [{string.Join(", ", context.shape)}]");
        long l = context.shape[1];
        if (l > _cfg.TextLen) throw new ArgumentException($"context has {l} tokens, more than text_len ({_cfg.TextLen})");
        if (l == _cfg.TextLen) return context.alias();
        var pad = torch.zeros([context.shape[0], _cfg.TextLen - l, _cfg.TextDim], dtype: context.dtype, device: context.device);
        return torch.cat([context, pad], 1);                                    // [B, text_len, text_dim]
    }

    /// <summary>Wan's <c>sinusoidal_embedding_1d</c>: timesteps t [B] → [B, dim] (cos half, then sin half), float64 math,
    /// returned as fp32.</summary>
    public static Tensor SinusoidalEmbedding(Tensor t, int dim)
    {
        using var scope = NewDisposeScope();
        int half = dim / 2;
        var pos = t.to(ScalarType.Float64);
        var freqs = torch.pow(10000.0, torch.arange(half, dtype: ScalarType.Float64, device: t.device).div(half).neg()); // [half]
        var angles = torch.outer(pos, freqs);                                   // [B, half]
        return torch.cat([angles.cos(), angles.sin()], 1).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _rope.Dispose();
        base.Dispose(disposing);
    }
}
