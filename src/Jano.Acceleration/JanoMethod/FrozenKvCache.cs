using Jano.Acceleration.Common;
using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.JanoMethod;

/// <summary>
/// Frozen-token caches per guidance branch and layer (spec §3.2, §3.7). One entry per layer holds the frozen rows in the
/// order cheap steps append them, medium then static (<see cref="TokenPartition.FrozenIndex"/>): post-RoPE K and V
/// (<see cref="JanoCacheMode.Kv"/>) or the self-attention input (<see cref="JanoCacheMode.Hidden"/>). A level-3 step writes
/// the whole entry with one gather; a level-2 step overwrites its medium rows in place; a level-1 step reads it whole, so a
/// cheap step appends it with one concatenation instead of fetching and joining two caches. Entries are stored in
/// <see cref="StorageDType"/> (null: as given) on <see cref="StorageDevice"/> (null: where given); <see cref="Fetch"/>
/// casts/copies for use. Each entry keeps the generation's branches as rows of one tensor (<see cref="BranchBatch"/>), so
/// batched and sequential guidance read the same per-branch state. Owns every tensor it holds.
/// </summary>
public sealed class FrozenKvCache : IDisposable
{
    private readonly IReadOnlyList<GuidanceBranch> _branches;
    private readonly Dictionary<int, BranchBatch[]> _entries = new();

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

    /// <summary>Stores rows <paramref name="frozenIndex"/> (along dim 1, medium then static) of each tensor [B, n, ...] (K and V
    /// [B, n, H, D], or the self-attention input [B, n, C]) as layer <paramref name="layer"/>'s entry of the branches
    /// <paramref name="rows"/> (one per batch row).</summary>
    public void Store(IReadOnlyList<GuidanceBranch> rows, int layer, IReadOnlyList<Tensor> tensors, Tensor frozenIndex)
    {
        var kept = new Tensor[tensors.Count];
        try
        {
            for (int i = 0; i < kept.Length; i++) kept[i] = Keep(tensors[i], frozenIndex);
        }
        catch
        {
            foreach (var t in kept) t?.Dispose();
            throw;
        }
        if (!_entries.TryGetValue(layer, out var entry) || entry.Length != kept.Length)
        {
            if (entry is not null)
                foreach (var b in entry) b.Dispose();
            _entries[layer] = entry = kept.Select(_ => new BranchBatch(_branches)).ToArray();
        }
        for (int i = 0; i < kept.Length; i++) entry[i].Adopt(rows, kept[i]);
        PeakBytes = Math.Max(PeakBytes, Bytes);
    }

    /// <summary>Overwrites the first <c>medium.shape[1]</c> rows (the medium tokens) of layer <paramref name="layer"/>'s entry
    /// of <paramref name="rows"/> with <paramref name="medium"/> (one tensor per stored tensor, [B, m, ...]).</summary>
    public void UpdateMedium(IReadOnlyList<GuidanceBranch> rows, int layer, IReadOnlyList<Tensor> medium)
    {
        var entry = Entry(rows, layer);
        if (entry.Length != medium.Count) throw new InvalidOperationException($"layer {layer} holds {entry.Length} tensor(s), got {medium.Count}");
        for (int i = 0; i < entry.Length; i++)
        {
            using var stored = entry[i].Read(rows);                              // [B, m + s, ...], a view when in place
            long m = medium[i].shape[1];
            if (m == 0) continue;
            using (var head = stored.narrow(1, 0, m)) head.copy_(medium[i]);
            if (!entry[i].ReadsInPlace(rows)) entry[i].Set(rows, stored);     // a gathered copy: write it back
        }
    }

    /// <summary>Layer <paramref name="layer"/>'s entry of <paramref name="rows"/> as stored, [B, m + s, ...] per tensor (handles
    /// owned by the caller's dispose scope); throws when it was never written (a schedule error).</summary>
    public Tensor[] Frozen(IReadOnlyList<GuidanceBranch> rows, int layer) => Entry(rows, layer).Select(b => b.Read(rows)).ToArray();

    /// <summary>A cached tensor in <paramref name="like"/>'s dtype on its device: <paramref name="cached"/> itself when it
    /// already is, else a new handle owned by the caller's scope.</summary>
    public static Tensor Fetch(Tensor cached, Tensor like) =>
        cached.dtype == like.dtype && cached.device_type == like.device_type && cached.device_index == like.device_index
            ? cached
            : cached.to(like.dtype, like.device);

    private BranchBatch[] Entry(IReadOnlyList<GuidanceBranch> rows, int layer)
    {
        if (_entries.TryGetValue(layer, out var e) && e[0].Has(rows)) return e;
        throw new InvalidOperationException(
            $"no frozen K/V cached for rows [{string.Join(",", rows)}] layer {layer}: a level-3 step must come first");
    }

    private Tensor Keep(Tensor t, Tensor index)
    {
        using var scope = NewDisposeScope();
        var rows = t.index_select(1, index.to(t.device));                    // [B, m + s, ...]
        var stored = rows.to(StorageDType ?? rows.dtype, StorageDevice ?? rows.device, copy: false);
        return stored.DetachFromDisposeScope();
    }

    public void Clear()
    {
        foreach (var e in _entries.Values)
            foreach (var b in e) b.Dispose();
        _entries.Clear();
    }

    public void Dispose() => Clear();
}
