using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Wan.Vae;

/// <summary>The official <c>CausalConv3d</c>: a 3-D convolution padded 2·p_t frames in the past only (and p_h, p_w
/// symmetrically); frames cached from the previous chunk replace that much of the zero padding. Keys: <c>weight</c>,
/// <c>bias</c>.</summary>
internal sealed class WanCausalConv3d : nn.Module
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly long[] _stride;
    private readonly long[] _pad; // (w, w, h, h, 2t, 0) as F.pad takes it

    public WanCausalConv3d(long inDim, long outDim, long[] kernel, long[] stride, long[] padding, Device? device, ScalarType dtype)
        : base(nameof(WanCausalConv3d))
    {
        weight = nn.Parameter(torch.empty([outDim, inDim, kernel[0], kernel[1], kernel[2]], dtype: dtype, device: device));
        bias = nn.Parameter(torch.zeros(outDim, dtype: dtype, device: device));
        if (weight.device_type != DeviceType.META)
            using (torch.no_grad()) nn.init.kaiming_uniform_(weight, Math.Sqrt(5));
        _stride = stride;
        _pad = [padding[2], padding[2], padding[1], padding[1], 2 * padding[0], 0];
        RegisterComponents();
    }

    /// <summary>A cubic kernel k with padding p and stride 1.</summary>
    public WanCausalConv3d(long inDim, long outDim, long kernel, long padding, Device? device, ScalarType dtype)
        : this(inDim, outDim, [kernel, kernel, kernel], [1, 1, 1], [padding, padding, padding], device, dtype) { }

    /// <summary>x [B, C, T, H, W]; <paramref name="cache"/> [B, C, t, H, W] frames that precede x, or null.</summary>
    public Tensor Forward(Tensor x, Tensor? cache = null)
    {
        using var scope = NewDisposeScope();
        var pad = (long[])_pad.Clone();
        if (cache is not null && pad[4] > 0)
        {
            x = torch.cat([cache, x], 2);
            pad[4] -= cache.shape[2];
        }
        var padded = pad.All(p => p == 0) ? x : nn.functional.pad(x, pad);
        return nn.functional.conv3d(padded, weight, bias, strides: _stride).MoveToOuterDisposeScope();
    }
}
