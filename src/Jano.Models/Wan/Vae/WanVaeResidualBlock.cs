using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.Wan.Vae;

/// <summary>The official <c>ResidualBlock</c>: <c>residual</c> = [RMS_norm, SiLU, CausalConv3d 3, RMS_norm, SiLU,
/// Dropout, CausalConv3d 3] (keys <c>residual.0/2/3/6</c>) plus <c>shortcut</c> (a 1x1x1 CausalConv3d when the widths
/// differ).</summary>
internal sealed class WanVaeResidualBlock : nn.Module
{
    private readonly ModuleList<nn.Module> residual;
    private readonly WanCausalConv3d? shortcut;

    public WanVaeResidualBlock(long inDim, long outDim, Device? device, ScalarType dtype) : base(nameof(WanVaeResidualBlock))
    {
        residual = nn.ModuleList<nn.Module>(
            new WanVaeRmsNorm(inDim, images: false, device, dtype), nn.SiLU(),
            new WanCausalConv3d(inDim, outDim, 3, 1, device, dtype),
            new WanVaeRmsNorm(outDim, images: false, device, dtype), nn.SiLU(), nn.Identity(),
            new WanCausalConv3d(outDim, outDim, 3, 1, device, dtype));
        if (inDim != outDim) shortcut = new WanCausalConv3d(inDim, outDim, 1, 0, device, dtype);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, WanVaeFeatureCache cache)
    {
        using var scope = NewDisposeScope();
        var h = shortcut is null ? x : shortcut.Forward(x);
        foreach (var layer in residual)
        {
            x = layer switch
            {
                WanVaeRmsNorm norm => norm.Forward(x),
                WanCausalConv3d conv => WanVaeCachedConv.Run(conv, x, cache),
                nn.Module<Tensor, Tensor> plain => plain.call(x),
                _ => throw new InvalidOperationException("unexpected layer"),
            };
        }
        return x.Plus(h).MoveToOuterDisposeScope();
    }
}
