using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Wan;

/// <summary>Wan's text-to-video cross-attention (<c>WanT2VCrossAttention</c>): queries from latent tokens, keys/values from
/// all text tokens (zero-padded ones included, as the official code passes no context lengths), qk RMS norm, no RoPE.
/// Keys: <c>cross_attn.{q,k,v,o,norm_q,norm_k}</c>.</summary>
public sealed class WanCrossAttention : nn.Module
{
    private readonly int _heads;
    private readonly Linear q;
    private readonly Linear k;
    private readonly Linear v;
    private readonly Linear o;
    private readonly WanRmsNorm norm_q;
    private readonly WanRmsNorm norm_k;

    /// <summary>Creates the layer.</summary>
    public WanCrossAttention(int dim, int heads, double eps, Device? device, ScalarType? dtype) : base(nameof(WanCrossAttention))
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

    /// <summary>x [B, n, C], context [B, L, C] (embedded text) → [B, n, C].</summary>
    public Tensor Forward(Tensor x, Tensor context)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], c = x.shape[2], l = context.shape[1], d = c / _heads;
        var qh = norm_q.call(q.call(x)).view(b, n, _heads, d).transpose(1, 2);        // [B, H, n, D]
        var kh = norm_k.call(k.call(context)).view(b, l, _heads, d).transpose(1, 2);  // [B, H, L, D]
        var vh = v.call(context).view(b, l, _heads, d).transpose(1, 2);               // [B, H, L, D]
        var attn = nn.functional.scaled_dot_product_attention(qh, kh, vh);           // [B, H, n, D]
        return o.call(attn.transpose(1, 2).reshape(b, n, c)).MoveToOuterDisposeScope(); // [B, n, C]
    }
}
