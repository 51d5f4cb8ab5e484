using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.Wan;

/// <summary>
/// One Wan2.1 transformer block (<c>WanAttentionBlock</c>, t2v): six fp32 modulation vectors (shift/scale/gate for
/// self-attention and FFN), modulated self-attention, cross-attention on the affine-normed stream (<c>norm3</c>),
/// modulated GELU-tanh FFN. The residual stream is fp32, as the official fp32 autocast islands make it.
/// Keys: <c>blocks.N.{self_attn, norm3, cross_attn, ffn.0, ffn.2, modulation}</c>.
/// </summary>
public sealed class WanAttentionBlock : nn.Module
{
    private readonly int _layer;
    private readonly ScalarType _dtype;
    private readonly Scalar _one = 1.0f.ToScalar();
    private readonly WanLayerNorm norm1;
    private readonly WanSelfAttention self_attn;
    private readonly WanLayerNorm norm3;
    private readonly WanCrossAttention cross_attn;
    private readonly WanLayerNorm norm2;
    private readonly Sequential ffn;
    private readonly Parameter modulation;

    /// <summary>Creates block <paramref name="layer"/> of a Wan2.1 model.</summary>
    public WanAttentionBlock(int layer, WanConfig cfg, Device? device, ScalarType dtype)
        : this(layer, cfg.Dim, cfg.FfnDim, cfg.NumHeads, cfg.Eps, device, dtype)
    {
    }

    /// <summary>Creates block <paramref name="layer"/> of width <paramref name="dim"/> (the DiT's blocks are these blocks).</summary>
    public WanAttentionBlock(int layer, int dim, int ffnDim, int heads, double eps, Device? device, ScalarType dtype) : base(nameof(WanAttentionBlock))
    {
        _layer = layer;
        _dtype = dtype;
        norm1 = new WanLayerNorm(dim, eps, elementwiseAffine: false, device, dtype);
        self_attn = new WanSelfAttention(dim, heads, eps, device, dtype);
        norm3 = new WanLayerNorm(dim, eps, elementwiseAffine: true, device, dtype);
        cross_attn = new WanCrossAttention(dim, heads, eps, device, dtype);
        norm2 = new WanLayerNorm(dim, eps, elementwiseAffine: false, device, dtype);
        ffn = nn.Sequential(
            nn.Linear(dim, ffnDim, device: device, dtype: dtype),
            nn.GELU(GELU.Approximate.tanh),
            nn.Linear(ffnDim, dim, device: device, dtype: dtype));
        modulation = nn.Parameter(torch.zeros([1, 6, dim], dtype: dtype, device: device));
        RegisterComponents();
    }

    /// <summary>The self-attention input norm1(x)·(1 + scale) + shift, [B, n, C] fp32 (TeaCache's probe on block 0).</summary>
    public Tensor ModulatedInput(Tensor x, Tensor e0)
    {
        using var scope = NewDisposeScope();
        var e = modulation.AsFloat32().Plus(e0).chunk(6, 1); // 6 × [B, 1, C]
        return Modulate(norm1.call(x), e[1], e[0]).MoveToOuterDisposeScope();
    }

    /// <summary>x [B, n, C] fp32; e0 [B, 6, C] fp32; context [B, L, C] embedded text; rot [n, D/2] RoPE rotations (rotAll [N, D/2] for every token) → [B, n, C] fp32.</summary>
    public Tensor Forward(Tensor x, Tensor e0, Tensor context, Tensor rot, Tensor rotAll, ITransformerHooks hooks, ConditionCache? cache = null)
    {
        using var scope = NewDisposeScope();
        x = x.AsFloat32();
        var e = modulation.AsFloat32().Plus(e0).chunk(6, 1); // 6 × [B, 1, C], fp32
        var attnIn = Modulate(norm1.call(x), e[1], e[0]).As(_dtype);
        // seam: self-attention
        var y = hooks.RunAttention(_layer, AttentionKind.Self, new TokenStreams(attnIn),
            a => new TokenStreams(self_attn.Forward(_layer, a.Image, rot, rotAll, hooks))).Image;
        x = x.Plus(y.AsFloat32().mul(e[2]));                    // fp32 island: x + y·gate
        // seam: cross-attention
        var crossIn = norm3.call(x).As(_dtype);
        var c = hooks.RunAttention(_layer, AttentionKind.Cross, new TokenStreams(crossIn), a => new TokenStreams(cross_attn.Forward(a.Image, context, cache))).Image;
        x = x.Plus(c.AsFloat32());
        var ffnIn = Modulate(norm2.call(x), e[4], e[3]).As(_dtype);
        // seam: MLP
        var f = hooks.RunMlp(_layer, new TokenStreams(ffnIn), m => new TokenStreams(ffn.call(m.Image))).Image;
        x = x.Plus(f.AsFloat32().mul(e[5]));                    // fp32 island: x + ffn·gate
        return x.MoveToOuterDisposeScope(); // [B, n, C]
    }

    // norm(x).float() · (1 + scale) + shift, fp32.
    private Tensor Modulate(Tensor normed, Tensor scale, Tensor shift) =>
        normed.AsFloat32().mul(scale.add(_one)).Plus(shift);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _one.Dispose();
        base.Dispose(disposing);
    }
}
