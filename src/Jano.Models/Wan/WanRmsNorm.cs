using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Wan;

/// <summary>Wan's RMS norm over the last dimension, computed in fp32: (x · rsqrt(mean(x²) + eps)).type_as(x) · weight.</summary>
public sealed class WanRmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Scalar _eps;
    private readonly Parameter weight;

    /// <summary>Creates the norm with a unit <c>weight</c> [dim].</summary>
    public WanRmsNorm(long dim, double eps, Device? device = null, ScalarType? dtype = null) : base(nameof(WanRmsNorm))
    {
        _eps = eps.ToScalar();
        weight = nn.Parameter(torch.ones(dim, dtype: dtype, device: device));
        RegisterComponents();
    }

    /// <summary>x [B, L, C] → [B, L, C].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var xf = x.AsFloat32();
        var normed = xf.mul(xf.square().mean([-1], keepdim: true).add(_eps).rsqrt()).As(x.dtype);
        return normed.mul(weight).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _eps.Dispose();
        base.Dispose(disposing);
    }
}
