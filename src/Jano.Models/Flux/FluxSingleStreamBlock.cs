using Jano.Core.Acceleration;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.Flux;

/// <summary>
/// One single-stream block (the official <c>SingleStreamBlock</c>) on the joint sequence <c>[txt; img]</c>: one modulation,
/// <c>linear1</c> = qkv and MLP input together, QK-RMSNorm, attention, <c>linear2</c> on [attention; gelu_tanh(mlp)].
/// Keys: <c>single_blocks.N.{linear1, linear2, norm.query_norm, norm.key_norm, modulation.lin}</c>.
/// Seam: <c>linear2</c> is linear, so it is split by input columns: the attention point computes linear1's qkv rows, attention
/// and linear2's attention columns plus its bias; the MLP point linear1's MLP rows, the GELU and linear2's MLP columns; the
/// two add before the gate (equal to the fused official block up to float rounding). Keys/values pass
/// <see cref="ITransformerHooks.ExtendKeyValues"/> with the text rows first.
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

    /// <summary>txt [B, L, C], img [B, n, C] (selected image tokens), vec [B, C] → (txt, img) after the block.</summary>
    public (Tensor Txt, Tensor Img) Forward(Tensor txt, Tensor img, Tensor vec, FluxPositions pos, ITransformerHooks hooks)
    {
        ArgumentNullException.ThrowIfNull(pos);
        ArgumentNullException.ThrowIfNull(hooks);
        using var scope = NewDisposeScope();
        var mod = modulation.Forward(vec);                                       // shift, scale, gate, each [B, 1, C]
        var inputs = new TokenStreams(FluxModulation.Modulate(pre_norm.call(img), mod[0], mod[1]),
            FluxModulation.Modulate(pre_norm.call(txt), mod[0], mod[1]));        // [B, n, C], [B, L, C]
        // seam: joint attention over [txt; img] (linear1's qkv rows, then linear2's attention columns and bias)
        var a = hooks.RunAttention(_layer, AttentionKind.Joint, inputs, s => Attend(s, pos, hooks));
        // seam: the parallel MLP on [txt; img] (linear1's MLP rows, then linear2's MLP columns)
        var f = hooks.RunMlp(_layer, inputs, Mlp);
        img = img.Plus(mod[2].mul(a.Image.Plus(f.Image)));
        txt = txt.Plus(mod[2].mul(a.Text!.Plus(f.Text!)));
        return (txt.MoveToOuterDisposeScope(), img.MoveToOuterDisposeScope());
    }

    // Attention part of the block: streams [B, n, C] and [B, L, C] → linear2's attention columns (+ bias) per stream.
    private TokenStreams Attend(TokenStreams s, FluxPositions pos, ITransformerHooks hooks)
    {
        var txt = s.Text ?? throw new ArgumentException("a FLUX single block's attention needs the text stream");
        long b = txt.shape[0], l = txt.shape[1], n = s.Image.shape[1];
        var x = torch.cat([txt, s.Image], 1);                                    // [B, L + n, C]
        var qkv = nn.functional.linear(x, linear1.weight!.narrow(0, 0, 3L * _dim), linear1.bias!.narrow(0, 0, 3L * _dim))
            .view(b, l + n, 3, _heads, -1);                                      // [B, L + n, 3, H, D]
        var v = qkv.select(2, 2);                                                // [B, L + n, H, D]
        var q = norm.Query(qkv.select(2, 0), v.dtype);
        var k = norm.Key(qkv.select(2, 1), v.dtype);
        q = FluxMath.ApplyRope(q, pos.JointCos, pos.JointSin);                  // RoPE rows [L + n, D/2]
        k = FluxMath.ApplyRope(k, pos.JointCos, pos.JointSin);

        // seam: extra K/V input rows (cached linear1 inputs of frozen image tokens), before the K/V projections
        if (hooks.ExtraKeyValueInput(_layer, s.Image) is { } extra)
        {
            var (ek, ev) = ExtraKeyValue(extra.Input.to(x.dtype, x.device));                                    // [B, e, H, D]
            k = torch.cat([k, pos.RotateAt(ek, extra.Positions)], 1);                                         // [B, L + n + e, H, D]
            v = torch.cat([v, ev], 1);
        }
        // seam: K/V after projection + QK-norm + RoPE, text rows first (cached image K/V of frozen tokens are appended)
        var kv = hooks.ExtendKeyValues(_layer, new KeyValues(k, v, (int)l));     // [B, L + n', H, D]

        var attn = FluxMath.Attention(q, kv.K, kv.V);                            // [B, L + n, C]
        var y = nn.functional.linear(attn, linear2.weight!.narrow(1, 0, _dim), linear2.bias); // [B, L + n, C]
        return new TokenStreams(y.narrow(1, l, n), y.narrow(1, 0, l));
    }

    // MLP part of the block: streams → linear2's MLP columns of gelu_tanh(linear1's MLP rows) per stream (no bias: it is in Attend).
    private TokenStreams Mlp(TokenStreams s)
    {
        var txt = s.Text ?? throw new ArgumentException("a FLUX single block's MLP needs the text stream");
        long l = txt.shape[1], n = s.Image.shape[1];
        var x = torch.cat([txt, s.Image], 1);                                    // [B, L + n, C]
        var h = nn.functional.linear(x, linear1.weight!.narrow(0, 3L * _dim, _mlpDim), linear1.bias!.narrow(0, 3L * _dim, _mlpDim)); // [B, L + n, M]
        var y = nn.functional.linear(mlp_act.call(h), linear2.weight!.narrow(1, _dim, _mlpDim));                                   // [B, L + n, C]
        return new TokenStreams(y.narrow(1, l, n), y.narrow(1, 0, l));
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
