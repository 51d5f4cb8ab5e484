using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Flux.Autoencoder;

/// <summary>The official <c>Downsample</c> (pad right/bottom by one, conv3×3 stride 2) or <c>Upsample</c> (nearest ×2, conv3×3).
/// Key: <c>conv</c>.</summary>
public sealed class FluxVaeSampling : nn.Module<Tensor, Tensor>
{
    private readonly bool _down;
    private readonly Conv2d conv;

    /// <summary>Creates a downsampling (<paramref name="down"/>) or upsampling layer.</summary>
    public FluxVaeSampling(int channels, bool down, Device? device, ScalarType? dtype) : base(down ? "Downsample" : "Upsample")
    {
        _down = down;
        conv = down
            ? nn.Conv2d(channels, channels, 3, stride: 2, padding: 0L, device: device, dtype: dtype)
            : nn.Conv2d(channels, channels, 3, stride: 1, padding: 1L, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>x [B, C, H, W] → [B, C, H/2, W/2] (down) or [B, C, 2H, 2W] (up).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var input = _down
            ? FluxVaeLayers.PadForDownsample(x)
            : nn.functional.interpolate(x, scale_factor: ScaleTwo, mode: InterpolationMode.Nearest);
        return conv.call(input).MoveToOuterDisposeScope();
    }

    private static readonly double[] ScaleTwo = [2.0, 2.0];
}
