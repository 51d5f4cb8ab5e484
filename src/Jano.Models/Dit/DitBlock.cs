using Jano.Core.Acceleration;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Dit;

/// <summary>
/// One transformer block, Wan2.1's layout: six modulation vectors (shift/scale/gate for attention and MLP),
/// modulated self-attention, cross-attention on a LayerNorm'd input, modulated GELU-tanh MLP.
/// </summary>
public sealed class DitBlock : nn.Module
{
    private readonly int _layer;
    private readonly LayerNorm norm1;
    private readonly DitSelfAttention self_attn;
    private readonly LayerNorm norm3;
    private readonly DitCrossAttention cross_attn;
    private readonly LayerNorm norm2;
    private readonly Sequential ffn;
    private readonly Parameter modulation;

    public DitBlock(int layer, DitConfig cfg, Device? device, ScalarType? dtype) : base(nameof(DitBlock))
    {
        _layer = layer;
        norm1 = nn.LayerNorm(cfg.Dim, cfg.Eps, elementwise_affine: false, device: device, dtype: dtype);
        self_attn = new DitSelfAttention(cfg.Dim, cfg.NumHeads, cfg.Eps, device, dtype);
        norm3 = nn.LayerNorm(cfg.Dim, cfg.Eps, elementwise_affine: true, device: device, dtype: dtype);
        cross_attn = new DitCrossAttention(cfg.Dim, cfg.NumHeads, cfg.Eps, device, dtype);
        norm2 = nn.LayerNorm(cfg.Dim, cfg.Eps, elementwise_affine: false, device: device, dtype: dtype);
        ffn = nn.Sequential(
            nn.Linear(cfg.Dim, cfg.FfnDim, device: device, dtype: dtype),
            nn.GELU(GELU.Approximate.tanh),
            nn.Linear(cfg.FfnDim, cfg.Dim, device: device, dtype: dtype));
        modulation = nn.Parameter(torch.zeros([1, 6, cfg.Dim], dtype: dtype, device: device));
        RegisterComponents();
    }

    /// <summary>The block's attention-input modulation: norm1(x)·(1 + scale) + shift, [B, n, C] (TeaCache's probe on block 0).</summary>
    public Tensor ModulatedInput(Tensor x, Tensor e0)
    {
        using var scope = NewDisposeScope();
        var e = modulation.to(ScalarType.Float32).add(e0).chunk(6, 1); // 6 × [B, 1, C]
        return Modulate(norm1.call(x), e[1], e[0]).MoveToOuterDisposeScope();
    }

    /// <summary>x [B, n, C]; e0 [B, 6, C] fp32; context [B, L, C]; cos/sin [n, D/2]; cosAll/sinAll [N, D/2] for every token.</summary>
    public Tensor Forward(Tensor x, Tensor e0, Tensor context, Tensor cos, Tensor sin, Tensor cosAll, Tensor sinAll, ITransformerHooks hooks)
    {
        using var scope = NewDisposeScope();
        var e = modulation.to(ScalarType.Float32).add(e0).chunk(6, 1); // 6 × [B, 1, C], fp32
        var attnIn = Modulate(norm1.call(x), e[1], e[0]);
        // seam: self-attention
        var y = hooks.RunAttention(_layer, AttentionKind.Self, attnIn, a => self_attn.Forward(_layer, a, cos, sin, cosAll, sinAll, hooks));
        x = x.add(y.mul(e[2].to(x.dtype)));
        // seam: cross-attention
        var crossIn = norm3.call(x);
        x = x.add(hooks.RunAttention(_layer, AttentionKind.Cross, crossIn, a => cross_attn.Forward(a, context)));
        var ffnIn = Modulate(norm2.call(x), e[4], e[3]);
        x = x.add(ffn.call(ffnIn).mul(e[5].to(x.dtype)));
        return x.MoveToOuterDisposeScope(); // [B, n, C]
    }

    private static Tensor Modulate(Tensor normed, Tensor scale, Tensor shift) =>
        normed.to(ScalarType.Float32).mul(scale.add(1)).add(shift).to(normed.dtype);
}
