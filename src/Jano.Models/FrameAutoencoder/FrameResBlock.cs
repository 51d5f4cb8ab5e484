using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.FrameAutoencoder;

/// <summary>Residual block: x + conv2(silu(norm2(conv1(silu(norm1(x)))))), 3×3 convolutions, group norms; channels unchanged.</summary>
public sealed class FrameResBlock : nn.Module<Tensor, Tensor>
{
    private readonly GroupNorm norm1;
    private readonly Conv2d conv1;
    private readonly GroupNorm norm2;
    private readonly Conv2d conv2;

    public FrameResBlock(int channels, int groups, double eps) : base(nameof(FrameResBlock))
    {
        norm1 = nn.GroupNorm(groups, channels, eps);
        conv1 = nn.Conv2d(channels, channels, 3, padding: 1);
        norm2 = nn.GroupNorm(groups, channels, eps);
        conv2 = nn.Conv2d(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    /// <summary>x [B, C, H, W] → [B, C, H, W].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = conv1.call(nn.functional.silu(norm1.call(x)));
        h = conv2.call(nn.functional.silu(norm2.call(h)));
        return x.Plus(h).MoveToOuterDisposeScope();
    }
}
