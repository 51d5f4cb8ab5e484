using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.JanoMethod;

/// <summary>
/// Post-RoPE K/V of frozen tokens, per guidance-branch row set and layer (spec §3.2): the static rows written at
/// level-3 steps, the medium rows at level-3 and level-2 steps. Owns every tensor it holds; replacing an entry
/// disposes the old one.
/// </summary>
public sealed class FrozenKvCache : IDisposable
{
    private readonly Dictionary<(string Rows, int Layer, bool Static), (Tensor K, Tensor V)> _entries = new();

    /// <summary>Bytes currently held.</summary>
    public long Bytes => _entries.Values.Sum(e => e.K.NumberOfElements * e.K.ElementSize + e.V.NumberOfElements * e.V.ElementSize);

    /// <summary>Largest <see cref="Bytes"/> seen.</summary>
    public long PeakBytes { get; private set; }

    /// <summary>Stores rows <paramref name="index"/> (along dim 1) of k, v [B, n, H, D] as the static or medium entry.</summary>
    public void Store(string rows, int layer, bool isStatic, Tensor k, Tensor v, Tensor index)
    {
        var key = (rows, layer, isStatic);
        var nk = k.index_select(1, index); // [B, s|m, H, D]
        var nv = v.index_select(1, index);
        nk.DetachFromDisposeScope();
        nv.DetachFromDisposeScope();
        if (_entries.TryGetValue(key, out var old))
        {
            old.K.Dispose();
            old.V.Dispose();
        }
        _entries[key] = (nk, nv);
        PeakBytes = Math.Max(PeakBytes, Bytes);
    }

    /// <summary>The static or medium entry; throws when it was never written (a schedule error).</summary>
    public (Tensor K, Tensor V) Get(string rows, int layer, bool isStatic)
    {
        if (_entries.TryGetValue((rows, layer, isStatic), out var e)) return e;
        throw new InvalidOperationException($"no {(isStatic ? "static" : "medium")} K/V cached for rows [{rows}] layer {layer}: a level-3 step must come first");
    }

    public void Clear()
    {
        foreach (var (k, v) in _entries.Values)
        {
            k.Dispose();
            v.Dispose();
        }
        _entries.Clear();
    }

    public void Dispose() => Clear();
}
