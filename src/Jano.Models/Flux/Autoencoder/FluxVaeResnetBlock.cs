using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.Flux.Autoencoder;

/// <summary>The official <c>ResnetBlock</c>: GroupNorm(32) → swish → conv3×3, twice, with a 1×1 <c>nin_shortcut</c> when the
/// width changes. Keys: <c>norm1</c>, <c>conv1</c>, <c>norm2</c>, <c>conv2</c>, <c>nin_shortcut</c>.</summary>
public sealed class FluxVaeResnetBlock : nn.Module<Tensor, Tensor>
{
    private readonly GroupNorm norm1;
    private readonly Conv2d conv1;
    private readonly GroupNorm norm2;
    private readonly Conv2d conv2;
    private readonly Conv2d? nin_shortcut;

    /// <summary>Creates the block.</summary>
    public FluxVaeResnetBlock(int inChannels, int outChannels, Device? device, ScalarType? dtype) : base(nameof(FluxVaeResnetBlock))
    {
        norm1 = FluxVaeLayers.GroupNorm(inChannels, device, dtype);
        conv1 = nn.Conv2d(inChannels, outChannels, 3, stride: 1, padding: 1L, device: device, dtype: dtype);
        norm2 = FluxVaeLayers.GroupNorm(outChannels, device, dtype);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, stride: 1, padding: 1L, device: device, dtype: dtype);
        if (inChannels != outChannels) nin_shortcut = nn.Conv2d(inChannels, outChannels, 1, stride: 1, padding: 0L, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>x [B, C_in, H, W] → [B, C_out, H, W].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = conv1.call(FluxVaeLayers.Swish(norm1.call(x)));
        h = conv2.call(FluxVaeLayers.Swish(norm2.call(h)));
        var skip = nin_shortcut is null ? x : nin_shortcut.call(x);
        return skip.Plus(h).MoveToOuterDisposeScope();
    }
}
