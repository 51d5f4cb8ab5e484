using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.Wan;

/// <summary>Wan's output head: norm(x)·(1 + scale) + shift with two fp32 modulation vectors, then a linear map to
/// C_out·pt·ph·pw values per token. Keys: <c>head.head</c>, <c>head.modulation</c>.</summary>
public sealed class WanHead : nn.Module
{
    private readonly ScalarType _dtype;
    private readonly Scalar _one = 1.0f.ToScalar();
    private readonly WanLayerNorm norm;
    private readonly Linear head;
    private readonly Parameter modulation;

    /// <summary>Creates the head of a Wan2.1 model.</summary>
    public WanHead(WanConfig cfg, Device? device, ScalarType dtype) : this(cfg.Dim, cfg.HeadOutDim, cfg.Eps, device, dtype)
    {
    }

    /// <summary>Creates a head from width <paramref name="dim"/> to <paramref name="outDim"/> = C_out·pt·ph·pw values per token.</summary>
    public WanHead(int dim, int outDim, double eps, Device? device, ScalarType dtype) : base(nameof(WanHead))
    {
        _dtype = dtype;
        norm = new WanLayerNorm(dim, eps, elementwiseAffine: false, device, dtype);
        head = nn.Linear(dim, outDim, device: device, dtype: dtype);
        modulation = nn.Parameter(torch.zeros([1, 2, dim], dtype: dtype, device: device));
        RegisterComponents();
    }

    /// <summary>x [B, n, C], e [B, C] fp32 time embedding → [B, n, P] in the model dtype.</summary>
    public Tensor Forward(Tensor x, Tensor e)
    {
        using var scope = NewDisposeScope();
        var m = modulation.AsFloat32().Plus(e.unsqueeze(1)).chunk(2, 1); // 2 × [B, 1, C]
        var modulated = norm.call(x).AsFloat32().mul(m[1].add(_one)).Plus(m[0]);
        return head.call(modulated.As(_dtype)).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _one.Dispose();
        base.Dispose(disposing);
    }
}
