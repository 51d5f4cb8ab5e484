using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Wan;

/// <summary>
/// Wan's LayerNorm: normalises in fp32 and casts back (<c>super().forward(x.float()).type_as(x)</c>).
/// With <c>elementwiseAffine</c> it owns <c>weight</c> and <c>bias</c> [dim] (Wan's <c>norm3</c>); otherwise no parameters.
/// </summary>
public sealed class WanLayerNorm : nn.Module<Tensor, Tensor>
{
    private readonly long _dim;
    private readonly double _eps;
    private readonly Parameter? weight;
    private readonly Parameter? bias;

    /// <summary>Creates the norm; affine parameters start at weight 1, bias 0.</summary>
    public WanLayerNorm(long dim, double eps, bool elementwiseAffine, Device? device = null, ScalarType? dtype = null) : base(nameof(WanLayerNorm))
    {
        _dim = dim;
        _eps = eps;
        if (elementwiseAffine)
        {
            weight = nn.Parameter(torch.ones(dim, dtype: dtype, device: device));
            bias = nn.Parameter(torch.zeros(dim, dtype: dtype, device: device));
        }
        RegisterComponents();
    }

    /// <summary>x [B, L, C] → [B, L, C] in x's dtype.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var w = weight?.AsFloat32();
        var b = bias?.AsFloat32();
        var y = nn.functional.layer_norm(x.AsFloat32(), [_dim], w, b, _eps);
        return y.As(x.dtype).MoveToOuterDisposeScope();
    }
}
