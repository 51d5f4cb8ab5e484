using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Dit;

/// <summary>Output head: norm(x)·(1 + scale) + shift, then a linear map to pt·ph·pw·C_out values per token. Keys match Wan's <c>head.*</c>.</summary>
public sealed class DitHead : nn.Module
{
    private readonly LayerNorm norm;
    private readonly Linear head;
    private readonly Parameter modulation;

    public DitHead(DitConfig cfg, Device? device, ScalarType? dtype) : base(nameof(DitHead))
    {
        int outDim = cfg.OutChannels * cfg.Patch[0] * cfg.Patch[1] * cfg.Patch[2];
        norm = nn.LayerNorm(cfg.Dim, cfg.Eps, elementwise_affine: false, device: device, dtype: dtype);
        head = nn.Linear(cfg.Dim, outDim, device: device, dtype: dtype);
        modulation = nn.Parameter(torch.zeros([1, 2, cfg.Dim], dtype: dtype, device: device));
        RegisterComponents();
    }

    /// <summary>x [B, n, C], e [B, C] fp32 time embedding → [B, n, P].</summary>
    public Tensor Forward(Tensor x, Tensor e)
    {
        using var scope = NewDisposeScope();
        var m = modulation.to(ScalarType.Float32).add(e.unsqueeze(1)).chunk(2, 1); // 2 × [B, 1, C]
        var normed = norm.call(x).to(ScalarType.Float32).mul(m[1].add(1)).add(m[0]).to(x.dtype);
        return head.call(normed).MoveToOuterDisposeScope();
    }
}
