using Jano.Core.Diffusion;
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

    /// <summary>x [B, n, C], context [B, L, C] (embedded text) → [B, n, C]. With a <paramref name="cache"/> (one per
    /// context) the context's K/V are projected once per run.</summary>
    public Tensor Forward(Tensor x, Tensor context, ConditionCache? cache = null)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], c = x.shape[2], d = c / _heads;
        var qh = norm_q.call(q.call(x)).view(b, n, _heads, d).transpose(1, 2);        // [B, H, n, D]
        var kv = ConditionCache.Reuse(cache, this, "kv", () => KeyValues(context));
        var (kh, vh) = (kv[0], kv[1]);                                                 // [B, H, L, D] each
        var attn = nn.functional.scaled_dot_product_attention(qh, kh, vh);           // [B, H, n, D]
        return o.call(attn.transpose(1, 2).reshape(b, n, c)).MoveToOuterDisposeScope(); // [B, n, C]
    }

    // The context's keys and values, context [B, L, C] → 2 × [B, H, L, D].
    private Tensor[] KeyValues(Tensor context)
    {
        long b = context.shape[0], l = context.shape[1], d = context.shape[2] / _heads;
        var kh = norm_k.call(k.call(context)).view(b, l, _heads, d).transpose(1, 2); // [B, H, L, D]
        var vh = v.call(context).view(b, l, _heads, d).transpose(1, 2);               // [B, H, L, D]
        return [kh, vh];
    }
}
