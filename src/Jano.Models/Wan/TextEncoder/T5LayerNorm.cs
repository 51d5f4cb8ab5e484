using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Wan.TextEncoder;

/// <summary>T5's RMS layer norm (no mean, no bias): weight · x · rsqrt(mean(x²) + eps), the statistic in fp32; with a
/// half-precision weight the normalised x is cast to the weight's dtype first (as the official <c>T5LayerNorm</c>).</summary>
public sealed class T5LayerNorm : nn.Module<Tensor, Tensor>
{
    private readonly double _eps;
    private readonly Parameter weight;

    /// <summary>Creates the norm with a unit <c>weight</c> [dim].</summary>
    public T5LayerNorm(long dim, double eps, Device? device = null, ScalarType? dtype = null) : base(nameof(T5LayerNorm))
    {
        _eps = eps;
        weight = nn.Parameter(torch.ones(dim, dtype: dtype, device: device));
        RegisterComponents();
    }

    /// <summary>x [..., dim] → [..., dim] in the weight's dtype.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var xf = x.to(ScalarType.Float32);
        var normed = xf.mul(xf.square().mean([-1], keepdim: true).add(_eps).rsqrt()).to(weight.dtype);
        return weight.mul(normed).MoveToOuterDisposeScope();
    }
}
