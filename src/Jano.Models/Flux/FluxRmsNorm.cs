using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Flux;

/// <summary>FLUX's RMSNorm (<c>modules/layers.py</c>): (x.float() · rsqrt(mean(x²) + 1e-6)).to(x.dtype) · scale.
/// Key: <c>scale</c> (not <c>weight</c>).</summary>
public sealed class FluxRmsNorm : nn.Module<Tensor, Tensor>
{
    private static readonly Scalar Eps = 1e-6.ToScalar();
    private readonly Parameter scale;

    /// <summary>Creates the norm with a unit <c>scale</c> [dim].</summary>
    public FluxRmsNorm(long dim, Device? device, ScalarType? dtype) : base(nameof(FluxRmsNorm))
    {
        scale = nn.Parameter(torch.ones(dim, dtype: dtype, device: device));
        RegisterComponents();
    }

    /// <summary>x [..., dim] → [..., dim] in x's dtype promoted with the scale's (as <c>tensor * parameter</c>).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var xf = x.to(ScalarType.Float32);
        var rrms = xf.square().mean([-1], keepdim: true).add(Eps).rsqrt();
        return xf.mul(rrms).to(x.dtype).mul(scale).MoveToOuterDisposeScope();
    }
}
