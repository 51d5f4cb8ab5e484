using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.JanoMethod;

/// <summary>
/// Frozen-token caches per guidance-branch row set and layer (spec §3.2, §3.7): the static rows written at level-3 steps,
/// the medium rows at level-3 and level-2 steps. An entry holds post-RoPE K and V (<see cref="JanoCacheMode.Kv"/>) or the
/// self-attention input (<see cref="JanoCacheMode.Hidden"/>), stored in <see cref="StorageDType"/> (null: as given) on
/// <see cref="StorageDevice"/> (null: where given); <see cref="Fetch"/> casts/copies an entry back for use.
/// Owns every tensor it holds; replacing an entry disposes the old one.
/// </summary>
public sealed class FrozenKvCache : IDisposable
{
    private readonly Dictionary<(string Rows, int Layer, bool Static), Tensor[]> _entries = new();

    /// <summary>Creates an empty cache storing in <paramref name="storageDType"/> on <paramref name="storageDevice"/>
    /// (null: the dtype / device of the stored tensors).</summary>
    public FrozenKvCache(ScalarType? storageDType = null, Device? storageDevice = null)
    {
        StorageDType = storageDType;
        StorageDevice = storageDevice;
    }

    public ScalarType? StorageDType { get; }

    public Device? StorageDevice { get; }

    /// <summary>Bytes currently held (numel × element size over every cached tensor).</summary>
    public long Bytes => _entries.Values.Sum(e => e.Sum(t => t.NumberOfElements * t.ElementSize));

    /// <summary>Largest <see cref="Bytes"/> seen.</summary>
    public long PeakBytes { get; private set; }

    /// <summary>Stores rows <paramref name="index"/> (along dim 1) of k, v [B, n, H, D] as the static or medium entry.</summary>
    public void Store(string rows, int layer, bool isStatic, Tensor k, Tensor v, Tensor index) =>
        Put((rows, layer, isStatic), [Keep(k, index), Keep(v, index)]);

    /// <summary>Stores rows <paramref name="index"/> (along dim 1) of the self-attention input x [B, n, C] as the static or medium entry.</summary>
    public void StoreHidden(string rows, int layer, bool isStatic, Tensor x, Tensor index) =>
        Put((rows, layer, isStatic), [Keep(x, index)]);

    /// <summary>The static or medium K/V entry as stored; throws when it was never written (a schedule error).</summary>
    public (Tensor K, Tensor V) Get(string rows, int layer, bool isStatic)
    {
        var e = Entry(rows, layer, isStatic);
        if (e.Length != 2) throw new InvalidOperationException($"rows [{rows}] layer {layer} holds a hidden-state entry, not K/V");
        return (e[0], e[1]);
    }

    /// <summary>The static or medium hidden-state entry as stored; throws when it was never written.</summary>
    public Tensor GetHidden(string rows, int layer, bool isStatic)
    {
        var e = Entry(rows, layer, isStatic);
        if (e.Length != 1) throw new InvalidOperationException($"rows [{rows}] layer {layer} holds a K/V entry, not a hidden state");
        return e[0];
    }

    /// <summary>A cached tensor in <paramref name="like"/>'s dtype on its device (a new handle, owned by the caller's scope).</summary>
    public static Tensor Fetch(Tensor cached, Tensor like) => cached.to(like.dtype, like.device);

    private Tensor[] Entry(string rows, int layer, bool isStatic)
    {
        if (_entries.TryGetValue((rows, layer, isStatic), out var e)) return e;
        throw new InvalidOperationException($"no {(isStatic ? "static" : "medium")} K/V cached for rows [{rows}] layer {layer}: a level-3 step must come first");
    }

    private Tensor Keep(Tensor t, Tensor index)
    {
        using var scope = NewDisposeScope();
        var rows = t.index_select(1, index.to(t.device));                    // [B, s|m, ...]
        var stored = rows.to(StorageDType ?? rows.dtype, StorageDevice ?? rows.device, copy: false);
        return stored.DetachFromDisposeScope();
    }

    private void Put((string, int, bool) key, Tensor[] tensors)
    {
        if (_entries.Remove(key, out var old))
            foreach (var t in old) t.Dispose();
        _entries[key] = tensors;
        PeakBytes = Math.Max(PeakBytes, Bytes);
    }

    public void Clear()
    {
        foreach (var e in _entries.Values)
            foreach (var t in e) t.Dispose();
        _entries.Clear();
    }

    public void Dispose() => Clear();
}
