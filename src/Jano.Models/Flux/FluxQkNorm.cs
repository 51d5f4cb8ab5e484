using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Models.Flux;

/// <summary>The official <c>QKNorm</c>: RMS norms of queries and keys per head (width head_dim), cast to v's dtype.
/// Keys: <c>query_norm.scale</c>, <c>key_norm.scale</c>.</summary>
public sealed class FluxQkNorm : nn.Module
{
    private readonly FluxRmsNorm query_norm;
    private readonly FluxRmsNorm key_norm;

    /// <summary>Creates the two norms.</summary>
    public FluxQkNorm(int headDim, Device? device, ScalarType? dtype) : base(nameof(FluxQkNorm))
    {
        query_norm = new FluxRmsNorm(headDim, device, dtype);
        key_norm = new FluxRmsNorm(headDim, device, dtype);
        RegisterComponents();
    }

    /// <summary>Normed queries [B, n, H, D] in <paramref name="dtype"/>.</summary>
    public Tensor Query(Tensor q, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        return query_norm.call(q).to(dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Normed keys [B, n, H, D] in <paramref name="dtype"/>.</summary>
    public Tensor Key(Tensor k, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        return key_norm.call(k).to(dtype).MoveToOuterDisposeScope();
    }
}
