using Jano.Core.Acceleration;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Flux;

/// <summary>
/// One single-stream block (the official <c>SingleStreamBlock</c>) on the joint sequence <c>[txt; img]</c>: one modulation,
/// <c>linear1</c> = qkv and MLP input together, QK-RMSNorm, attention, <c>linear2</c> on [attention; gelu_tanh(mlp)].
/// Keys: <c>single_blocks.N.{linear1, linear2, norm.query_norm, norm.key_norm, modulation.lin}</c>.
/// Seam: only the image rows' keys/values pass <see cref="ITransformerHooks.ExtendKeyValues"/>; text rows always come first.
/// </summary>
public sealed class FluxSingleStreamBlock : nn.Module
{
    private readonly int _layer;
    private readonly int _dim;
    private readonly int _heads;
    private readonly int _mlpDim;
    private readonly Linear linear1;
    private readonly Linear linear2;
    private readonly FluxQkNorm norm;
    private readonly LayerNorm pre_norm;
    private readonly GELU mlp_act;
    private readonly FluxModulation modulation;

    /// <summary>Creates block <paramref name="layer"/> (its index among all blocks, as the seam sees it).</summary>
    public FluxSingleStreamBlock(int layer, FluxConfig cfg, Device? device, ScalarType? dtype) : base(nameof(FluxSingleStreamBlock))
    {
        ArgumentNullException.ThrowIfNull(cfg);
        _layer = layer;
        _dim = cfg.HiddenSize;
        _heads = cfg.NumHeads;
        _mlpDim = cfg.MlpHiddenDim;
        linear1 = nn.Linear(_dim, _dim * 3L + _mlpDim, hasBias: true, device: device, dtype: dtype);
        linear2 = nn.Linear((long)_dim + _mlpDim, _dim, hasBias: true, device: device, dtype: dtype);
        norm = new FluxQkNorm(cfg.HeadDim, device, dtype);
        pre_norm = nn.LayerNorm(_dim, eps: 1e-6, elementwise_affine: false, device: device, dtype: dtype);
        mlp_act = nn.GELU(GELU.Approximate.tanh);
        modulation = new FluxModulation(_dim, isDouble: false, device, dtype);
        RegisterComponents();
    }

    /// <summary>txt [B, L, C], img [B, n, C] (selected image tokens), vec [B, C] → (txt, img) after the block (views of one
    /// [B, L + n, C] result).</summary>
    public (Tensor Txt, Tensor Img) Forward(Tensor txt, Tensor img, Tensor vec, FluxPositions pos, ITransformerHooks hooks)
    {
        ArgumentNullException.ThrowIfNull(pos);
        ArgumentNullException.ThrowIfNull(hooks);
        using var scope = NewDisposeScope();
        long b = txt.shape[0], l = txt.shape[1], n = img.shape[1];
        var x = torch.cat([txt, img], 1);                                        // [B, L + n, C]
        var mod = modulation.Forward(vec);                                       // shift, scale, gate, each [B, 1, C]
        var xMod = FluxModulation.Modulate(pre_norm.call(x), mod[0], mod[1]);    // [B, L + n, C]
        var h1 = linear1.call(xMod);                                             // [B, L + n, 3C + M]
        var qkv = h1.narrow(2, 0, 3L * _dim).view(b, l + n, 3, _heads, -1);      // [B, L + n, 3, H, D]
        var mlp = h1.narrow(2, 3L * _dim, _mlpDim);                              // [B, L + n, M]
        var v = qkv.select(2, 2);                                                // [B, L + n, H, D]
        var q = norm.Query(qkv.select(2, 0), v.dtype);
        var k = norm.Key(qkv.select(2, 1), v.dtype);

        q = FluxMath.ApplyRope(q, pos.JointCos, pos.JointSin);                  // RoPE rows [L + n, D/2]
        k = FluxMath.ApplyRope(k, pos.JointCos, pos.JointSin);
        var ik = k.narrow(1, l, n);                                              // [B, n, H, D] image rows
        var iv = v.narrow(1, l, n);

        // seam: extra K/V input rows (cached linear1 inputs of frozen image tokens), before the K/V projections
        if (hooks.ExtraKeyValueInput(_layer, xMod.narrow(1, l, n)) is { } extra)
        {
            var (ek, ev) = ExtraKeyValue(extra.Input.to(xMod.dtype, xMod.device));                            // [B, e, H, D]
            ik = torch.cat([ik, pos.RotateAt(ek, extra.Positions)], 1);                                       // [B, n + e, H, D]
            iv = torch.cat([iv, ev], 1);
        }
        // seam: image K/V after projection + QK-norm + RoPE (cached image K/V of frozen tokens are appended here)
        var (keys, values) = hooks.ExtendKeyValues(_layer, ik, iv);              // [B, n', H, D]

        var attn = FluxMath.Attention(q, torch.cat([k.narrow(1, 0, l), keys], 1), torch.cat([v.narrow(1, 0, l), values], 1)); // [B, L + n, C]
        var output = linear2.call(torch.cat([attn, mlp_act.call(mlp)], 2));      // [B, L + n, C]
        var y = x.add(mod[2].mul(output));                                       // [B, L + n, C]
        return (y.narrow(1, 0, l).MoveToOuterDisposeScope(), y.narrow(1, l, n).MoveToOuterDisposeScope());
    }

    // Keys (normed) and values [B, e, H, D] of extra rows x [B, e, C] with linear1's K/V rows only.
    private (Tensor K, Tensor V) ExtraKeyValue(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], e = x.shape[1];
        var w = linear1.weight!.narrow(0, _dim, 2L * _dim);                      // [2C, C]
        var bias = linear1.bias!.narrow(0, _dim, 2L * _dim);                     // [2C]
        var parts = nn.functional.linear(x, w, bias).view(b, e, 2, _heads, -1);  // [B, e, 2, H, D]
        var v = parts.select(2, 1);
        var k = norm.Key(parts.select(2, 0), v.dtype);
        return (k.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope());
    }
}
