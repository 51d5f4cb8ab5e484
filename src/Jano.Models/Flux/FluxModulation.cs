using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.Flux;

/// <summary>The official <c>Modulation</c>: lin(silu(vec))[:, None, :] chunked into 6 (double) or 3 (single) vectors
/// [B, 1, C], in the order shift, scale, gate (twice for double). Key: <c>lin</c>.</summary>
public sealed class FluxModulation : nn.Module
{
    private readonly int _multiplier;
    private readonly Linear lin;

    /// <summary>Creates the modulation of a double (6 vectors) or single (3 vectors) block.</summary>
    public FluxModulation(int dim, bool isDouble, Device? device, ScalarType? dtype) : base(nameof(FluxModulation))
    {
        _multiplier = isDouble ? 6 : 3;
        lin = nn.Linear(dim, (long)_multiplier * dim, hasBias: true, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>vec [B, C] → shift, scale, gate (, shift₂, scale₂, gate₂), each [B, 1, C] (views of one tensor).</summary>
    public Tensor[] Forward(Tensor vec)
    {
        using var scope = NewDisposeScope();
        var chunks = lin.call(nn.functional.silu(vec)).unsqueeze(1).chunk(_multiplier, -1); // m × [B, 1, C]
        foreach (var c in chunks) c.MoveToOuterDisposeScope();
        return chunks;
    }

    /// <summary>(1 + scale) · normed + shift, the official modulation of a normed stream x [B, n, C].</summary>
    public static Tensor Modulate(Tensor normed, Tensor shift, Tensor scale)
    {
        using var scope = NewDisposeScope();
        return scale.add(FluxScalars.One).mul(normed).Plus(shift).MoveToOuterDisposeScope();
    }
}
