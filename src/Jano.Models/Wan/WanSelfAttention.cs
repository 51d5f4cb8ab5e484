using Jano.Core.Acceleration;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Wan;

/// <summary>Wan's self-attention: q/k/v/o projections, qk RMS norm over the full width, 3-axis RoPE in float64.
/// Keys: <c>self_attn.{q,k,v,o,norm_q,norm_k}</c>.</summary>
public sealed class WanSelfAttention : nn.Module
{
    private readonly int _heads;
    private readonly Linear q;
    private readonly Linear k;
    private readonly Linear v;
    private readonly Linear o;
    private readonly WanRmsNorm norm_q;
    private readonly WanRmsNorm norm_k;

    /// <summary>Creates the layer.</summary>
    public WanSelfAttention(int dim, int heads, double eps, Device? device, ScalarType? dtype) : base(nameof(WanSelfAttention))
    {
        _heads = heads;
        q = nn.Linear(dim, dim, device: device, dtype: dtype);
        k = nn.Linear(dim, dim, device: device, dtype: dtype);
        v = nn.Linear(dim, dim, device: device, dtype: dtype);
        o = nn.Linear(dim, dim, device: device, dtype: dtype);
        norm_q = new WanRmsNorm(dim, eps, device, dtype);
        norm_k = new WanRmsNorm(dim, eps, device, dtype);
        RegisterComponents();
    }

    /// <summary>x [B, n, C] (the selected tokens); rot [n, D/2] RoPE rotations (<see cref="WanRope.Rotations"/>) at the
    /// tokens' original positions; rotAll [N, D/2] for every token (RoPE of extra K/V input rows a method supplies) → [B, n, C].</summary>
    public Tensor Forward(int layer, Tensor x, Tensor rot, Tensor rotAll, ITransformerHooks hooks)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], c = x.shape[2], d = c / _heads;
        var qh = WanRope.Rotate(norm_q.call(q.call(x)).view(b, n, _heads, d), rot);   // [B, n, H, D]
        // seam: extra K/V input rows (e.g. cached self-attention inputs of frozen tokens), before the K/V projections
        var (kvIn, kRot) = ExtraKeyValueRows.Append(x, rot, rotAll, hooks.ExtraKeyValueInput(layer, x)); // [B, n + e, C]
        long m = kvIn.shape[1];
        var kh = WanRope.Rotate(norm_k.call(k.call(kvIn)).view(b, m, _heads, d), kRot); // [B, m, H, D]
        var vh = v.call(kvIn).view(b, m, _heads, d);                                      // [B, m, H, D]
        // seam: K/V right after projection + qk-norm + RoPE (frozen tokens' cached K/V are appended here)
        var (keys, values, _) = hooks.ExtendKeyValues(layer, new KeyValues(kh, vh));       // [B, n', H, D]
        var attn = nn.functional.scaled_dot_product_attention(
            qh.transpose(1, 2), keys.transpose(1, 2), values.transpose(1, 2));             // [B, H, n, D]
        var merged = attn.transpose(1, 2).reshape(b, n, c);                                 // [B, n, C]
        return o.call(merged).MoveToOuterDisposeScope();
    }
}
