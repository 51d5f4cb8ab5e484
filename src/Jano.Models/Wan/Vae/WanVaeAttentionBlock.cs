using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.Wan.Vae;

/// <summary>The official <c>AttentionBlock</c>: per frame, single-head self-attention over the H·W positions after an
/// image RMS_norm; 1x1 convolutions <c>to_qkv</c> and <c>proj</c>; residual. Keys: <c>norm.gamma</c>, <c>to_qkv</c>,
/// <c>proj</c>.</summary>
internal sealed class WanVaeAttentionBlock : nn.Module
{
    private readonly WanVaeRmsNorm norm;
    private readonly Conv2d to_qkv;
    private readonly Conv2d proj;

    public WanVaeAttentionBlock(long dim, Device? device, ScalarType dtype) : base(nameof(WanVaeAttentionBlock))
    {
        norm = new WanVaeRmsNorm(dim, images: true, device, dtype);
        to_qkv = nn.Conv2d(dim, dim * 3, 1, device: device, dtype: dtype);
        proj = nn.Conv2d(dim, dim, 1, device: device, dtype: dtype);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], c = x.shape[1], t = x.shape[2], h = x.shape[3], w = x.shape[4];
        var frames = x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w);
        var qkv = to_qkv.call(norm.Forward(frames)).reshape(b * t, 1, c * 3, h * w).permute(0, 1, 3, 2).contiguous().chunk(3, -1);
        var attn = nn.functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2]);        // [bt, 1, hw, c]
        var y = proj.call(attn.squeeze(1).permute(0, 2, 1).reshape(b * t, c, h, w));
        return y.reshape(b, t, c, h, w).permute(0, 2, 1, 3, 4).Plus(x).MoveToOuterDisposeScope();
    }
}
