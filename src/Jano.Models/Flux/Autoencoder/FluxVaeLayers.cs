using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Flux.Autoencoder;

/// <summary>Small pieces shared by the VAE's blocks.</summary>
internal static class FluxVaeLayers
{
    private static readonly long[] PadRightBottom = [0, 1, 0, 1];

    /// <summary>GroupNorm(32 groups, eps 1e-6, affine), as every norm of the official autoencoder.</summary>
    public static GroupNorm GroupNorm(int channels, Device? device, ScalarType? dtype) =>
        nn.GroupNorm(32, channels, eps: 1e-6, affine: true, device: device, dtype: dtype);

    /// <summary>The official <c>swish</c>: x · sigmoid(x).</summary>
    public static Tensor Swish(Tensor x)
    {
        using var s = x.sigmoid();
        return x.mul(s);
    }

    /// <summary>Zero padding of one column on the right and one row at the bottom (the official Downsample's pad (0, 1, 0, 1)).</summary>
    public static Tensor PadForDownsample(Tensor x) => nn.functional.pad(x, PadRightBottom, PaddingModes.Zeros, 0);
}
