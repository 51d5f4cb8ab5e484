using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.Wan.TextEncoder;

/// <summary>T5 attention without score scaling: bias-free q/k/v/o, an additive bias (relative positions, key mask
/// filled with the dtype's lowest value), softmax in fp32. Keys: <c>attn.{q,k,v,o}</c>.</summary>
public sealed class T5Attention : nn.Module
{
    private readonly int _heads;
    private readonly Linear q;
    private readonly Linear k;
    private readonly Linear v;
    private readonly Linear o;

    /// <summary>Creates the layer.</summary>
    public T5Attention(int dim, int dimAttn, int heads, Device? device, ScalarType? dtype) : base(nameof(T5Attention))
    {
        _heads = heads;
        q = nn.Linear(dim, dimAttn, hasBias: false, device: device, dtype: dtype);
        k = nn.Linear(dim, dimAttn, hasBias: false, device: device, dtype: dtype);
        v = nn.Linear(dim, dimAttn, hasBias: false, device: device, dtype: dtype);
        o = nn.Linear(dimAttn, dim, hasBias: false, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>x [B, L, C]; mask [B, L] (non-zero = attend) or null; posBias [1, H, L, L] or null → [B, L, C].</summary>
    public Tensor Forward(Tensor x, Tensor? mask, Tensor? posBias)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1];
        var qh = q.call(x).view(b, n, _heads, -1).transpose(1, 2);   // [B, H, L, D]
        var kh = k.call(x).view(b, n, _heads, -1).transpose(1, 2);   // [B, H, L, D]
        var vh = v.call(x).view(b, n, _heads, -1).transpose(1, 2);   // [B, H, L, D]
        var bias = torch.zeros([b, _heads, n, n], dtype: x.dtype, device: x.device);
        if (posBias is not null) bias = bias.Plus(posBias);
        if (mask is not null)
        {
            double lowest = x.dtype switch
            {
                ScalarType.BFloat16 => -3.3895313892515355e38,
                ScalarType.Float16 => -65504.0,
                ScalarType.Float64 => double.MinValue,
                _ => float.MinValue,
            };
            bias = bias.masked_fill(mask.view(b, 1, 1, n).eq(0), lowest);
        }
        var scores = qh.matmul(kh.transpose(-1, -2)).Plus(bias);       // [B, H, L, L], no 1/sqrt(D) (T5)
        var attn = scores.to(ScalarType.Float32).softmax(-1).to(scores.dtype);
        var merged = attn.matmul(vh).transpose(1, 2).reshape(b, n, -1); // [B, L, H·D]
        return o.call(merged).MoveToOuterDisposeScope();
    }
}
