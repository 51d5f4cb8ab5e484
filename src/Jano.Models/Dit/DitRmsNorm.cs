using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Dit;

/// <summary>RMS norm over the last dimension, computed in fp32: x · rsqrt(mean(x²) + eps) · weight.</summary>
public sealed class DitRmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly double _eps;
    private readonly Parameter weight;

    public DitRmsNorm(long dim, double eps, Device? device = null, ScalarType? dtype = null) : base(nameof(DitRmsNorm))
    {
        _eps = eps;
        weight = nn.Parameter(torch.ones(dim, dtype: dtype, device: device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var xf = x.to(ScalarType.Float32);
        var normed = xf.mul(xf.square().mean([-1], keepdim: true).add(_eps).rsqrt()).to(x.dtype);
        return normed.mul(weight).MoveToOuterDisposeScope();
    }
}
