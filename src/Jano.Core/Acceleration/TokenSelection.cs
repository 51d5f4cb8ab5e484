using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Core.Acceleration;

/// <summary>
/// The token rows a forward computes, in original (patch-embedding) order. Owned by whoever created it
/// (an accelerator session); a model only reads it and must not dispose it.
/// </summary>
public sealed class TokenSelection : IDisposable
{
    private TokenSelection(int total, Tensor? indices)
    {
        Total = total;
        Indices = indices;
        Count = indices is null ? total : (int)indices.shape[0];
    }

    /// <summary>Every token; models skip the gather entirely.</summary>
    public static TokenSelection All(int total) => new(total, null);

    /// <summary>A subset given by sorted int64 row indices [n]; the selection takes ownership of a detached copy.</summary>
    public static TokenSelection Subset(int total, Tensor indices)
    {
        if (indices.dtype != ScalarType.Int64 || indices.dim() != 1)
            throw new ArgumentException("token indices must be a 1-D int64 tensor");
        using var scope = NewDisposeScope();
        var owned = indices.detach().clone();
        return new TokenSelection(total, owned.DetachFromDisposeScope());
    }

    public int Total { get; }

    /// <summary>Number of tokens computed.</summary>
    public int Count { get; }

    /// <summary>Sorted int64 row indices [Count], or null when every token is computed.</summary>
    public Tensor? Indices { get; }

    public bool IsAll => Indices is null;

    public bool IsEmpty => Count == 0;

    /// <summary>Rows of <paramref name="x"/> along <paramref name="dim"/> for this selection (a new handle).</summary>
    public Tensor Gather(Tensor x, long dim)
    {
        if (Indices is null) return x.alias();
        using var idx = Indices.device == x.device ? Indices.alias() : Indices.to(x.device);
        return x.index_select(dim, idx);
    }

    public void Dispose() => Indices?.Dispose();
}
