using Jano.Acceleration.Common;
using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.JanoMethod;

/// <summary>
/// Frozen-token caches per guidance branch and layer (spec §3.2, §3.7): the static rows written at level-3 steps,
/// the medium rows at level-3 and level-2 steps. An entry holds post-RoPE K and V (<see cref="JanoCacheMode.Kv"/>) or the
/// self-attention input (<see cref="JanoCacheMode.Hidden"/>), stored in <see cref="StorageDType"/> (null: as given) on
/// <see cref="StorageDevice"/> (null: where given); <see cref="Fetch"/> casts/copies an entry back for use. Each entry
/// keeps the generation's branches as rows of one tensor (<see cref="BranchBatch"/>), so batched and sequential guidance
/// read the same per-branch state. Owns every tensor it holds; replacing an entry disposes the old one.
/// </summary>
public sealed class FrozenKvCache : IDisposable
{
    private readonly IReadOnlyList<GuidanceBranch> _branches;
    private readonly Dictionary<(int Layer, bool Static), BranchBatch[]> _entries = new();

    /// <summary>Creates an empty cache for the generation's <paramref name="branches"/> (plan order), storing in
    /// <paramref name="storageDType"/> on <paramref name="storageDevice"/> (null: the dtype / device of the stored tensors).</summary>
    public FrozenKvCache(IReadOnlyList<GuidanceBranch> branches, ScalarType? storageDType = null, Device? storageDevice = null)
    {
        _branches = branches.ToArray();
        StorageDType = storageDType;
        StorageDevice = storageDevice;
    }

    public ScalarType? StorageDType { get; }

    public Device? StorageDevice { get; }

    /// <summary>Bytes currently held (numel × element size over every cached tensor).</summary>
    public long Bytes => _entries.Values.Sum(e => e.Sum(t => t.Bytes));

    /// <summary>Largest <see cref="Bytes"/> seen.</summary>
    public long PeakBytes { get; private set; }

    /// <summary>Stores rows <paramref name="index"/> (along dim 1) of k, v [B, n, H, D] as the static or medium entry of the
    /// branches <paramref name="rows"/> (one per batch row).</summary>
    public void Store(IReadOnlyList<GuidanceBranch> rows, int layer, bool isStatic, Tensor k, Tensor v, Tensor index) =>
        Put(rows, (layer, isStatic), [Keep(k, index), Keep(v, index)]);

    /// <summary>Stores rows <paramref name="index"/> (along dim 1) of the self-attention input x [B, n, C] as the static or
    /// medium entry of the branches <paramref name="rows"/>.</summary>
    public void StoreHidden(IReadOnlyList<GuidanceBranch> rows, int layer, bool isStatic, Tensor x, Tensor index) =>
        Put(rows, (layer, isStatic), [Keep(x, index)]);

    /// <summary>The static or medium K/V entry of <paramref name="rows"/> as stored, [B, s|m, H, D] (handles owned by the
    /// caller's dispose scope); throws when it was never written (a schedule error).</summary>
    public (Tensor K, Tensor V) Get(IReadOnlyList<GuidanceBranch> rows, int layer, bool isStatic)
    {
        var e = Entry(rows, layer, isStatic);
        if (e.Length != 2) throw new InvalidOperationException($"layer {layer} holds a hidden-state entry, not K/V");
        return (e[0].Read(rows), e[1].Read(rows));
    }

    /// <summary>The static or medium hidden-state entry of <paramref name="rows"/> as stored, [B, s|m, C]; throws when it was
    /// never written.</summary>
    public Tensor GetHidden(IReadOnlyList<GuidanceBranch> rows, int layer, bool isStatic)
    {
        var e = Entry(rows, layer, isStatic);
        if (e.Length != 1) throw new InvalidOperationException($"layer {layer} holds a K/V entry, not a hidden state");
        return e[0].Read(rows);
    }

    /// <summary>A cached tensor in <paramref name="like"/>'s dtype on its device (a new handle, owned by the caller's scope).</summary>
    public static Tensor Fetch(Tensor cached, Tensor like) => cached.to(like.dtype, like.device);

    private BranchBatch[] Entry(IReadOnlyList<GuidanceBranch> rows, int layer, bool isStatic)
    {
        if (_entries.TryGetValue((layer, isStatic), out var e) && e[0].Has(rows)) return e;
        throw new InvalidOperationException(
            $"no {(isStatic ? "static" : "medium")} K/V cached for rows [{string.Join(",", rows)}] layer {layer}: a level-3 step must come first");
    }

    private Tensor Keep(Tensor t, Tensor index)
    {
        using var scope = NewDisposeScope();
        var rows = t.index_select(1, index.to(t.device));                    // [B, s|m, ...]
        var stored = rows.to(StorageDType ?? rows.dtype, StorageDevice ?? rows.device, copy: false);
        return stored.DetachFromDisposeScope();
    }

    private void Put(IReadOnlyList<GuidanceBranch> rows, (int, bool) key, Tensor[] tensors)
    {
        if (!_entries.TryGetValue(key, out var entry) || entry.Length != tensors.Length)
        {
            if (entry is not null)
                foreach (var b in entry) b.Dispose();
            _entries[key] = entry = tensors.Select(_ => new BranchBatch(_branches)).ToArray();
        }
        for (int i = 0; i < tensors.Length; i++) entry[i].Adopt(rows, tensors[i]);
        PeakBytes = Math.Max(PeakBytes, Bytes);
    }

    public void Clear()
    {
        foreach (var e in _entries.Values)
            foreach (var b in e) b.Dispose();
        _entries.Clear();
    }

    public void Dispose() => Clear();
}
