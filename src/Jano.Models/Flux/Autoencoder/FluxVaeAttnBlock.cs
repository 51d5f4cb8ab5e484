using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.Flux.Autoencoder;

/// <summary>The official <c>AttnBlock</c>: single-head attention over the H·W positions with 1×1-conv q/k/v/proj_out on a
/// GroupNorm'd input, plus the residual. Keys: <c>norm</c>, <c>q</c>, <c>k</c>, <c>v</c>, <c>proj_out</c>.</summary>
public sealed class FluxVaeAttnBlock : nn.Module<Tensor, Tensor>
{
    private readonly GroupNorm norm;
    private readonly Conv2d q;
    private readonly Conv2d k;
    private readonly Conv2d v;
    private readonly Conv2d proj_out;

    /// <summary>Creates the block.</summary>
    public FluxVaeAttnBlock(int channels, Device? device, ScalarType? dtype) : base(nameof(FluxVaeAttnBlock))
    {
        norm = FluxVaeLayers.GroupNorm(channels, device, dtype);
        q = nn.Conv2d(channels, channels, 1, device: device, dtype: dtype);
        k = nn.Conv2d(channels, channels, 1, device: device, dtype: dtype);
        v = nn.Conv2d(channels, channels, 1, device: device, dtype: dtype);
        proj_out = nn.Conv2d(channels, channels, 1, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>x [B, C, H, W] → [B, C, H, W].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var hn = norm.call(x);
        // "b c h w -> b 1 (h w) c"
        var qs = q.call(hn).flatten(2).transpose(1, 2).unsqueeze(1).contiguous();   // [B, 1, HW, C]
        var ks = k.call(hn).flatten(2).transpose(1, 2).unsqueeze(1).contiguous();
        var vs = v.call(hn).flatten(2).transpose(1, 2).unsqueeze(1).contiguous();
        var a = nn.functional.scaled_dot_product_attention(qs, ks, vs);             // [B, 1, HW, C]
        var back = a.squeeze(1).transpose(1, 2).reshape(b, c, h, w);               // [B, C, H, W]
        return x.Plus(proj_out.call(back)).MoveToOuterDisposeScope();
    }
}
