using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.Common;

/// <summary>
/// Per-guidance-branch state tensors kept as the rows of one batch tensor [R, ...], R = the generation's branches in their
/// plan order. State is keyed by <see cref="GuidanceBranch"/>, never by how a forward batches its rows: a forward of every
/// branch in plan order (batched guidance) reads and writes the whole tensor without a copy, a forward of one branch
/// (sequential guidance) its row. Owns the tensor it holds; a row must be written before it is read.
/// </summary>
public sealed class BranchBatch : IDisposable
{
    private readonly GuidanceBranch[] _order;
    private readonly bool[] _written;
    private Tensor? _all;

    /// <summary>Creates an empty batch for the branches of a generation, in plan order.</summary>
    public BranchBatch(IReadOnlyList<GuidanceBranch> order)
    {
        if (order.Count == 0 || order.Distinct().Count() != order.Count)
            throw new ArgumentException("branch order must list distinct branches");
        _order = order.ToArray();
        _written = new bool[_order.Length];
    }

    /// <summary>Bytes held (0 before the first write).</summary>
    public long Bytes => _all is null ? 0 : _all.NumberOfElements * _all.ElementSize;

    /// <summary>True when every row in <paramref name="rows"/> has been written.</summary>
    public bool Has(IReadOnlyList<GuidanceBranch> rows) => rows.All(r => _written[Index(r)]);

    /// <summary>True when <see cref="Read"/> of <paramref name="rows"/> gives a view that writes through to the held tensor.</summary>
    public bool ReadsInPlace(IReadOnlyList<GuidanceBranch> rows) => TryRun(rows, out _);

    /// <summary>The entries of <paramref name="rows"/> as a batch [B, ...]: a view of the held tensor (writes through) when
    /// the rows are one branch or consecutive branches in plan order, a gathered copy otherwise. A new handle, owned by the
    /// caller's dispose scope.</summary>
    public Tensor Read(IReadOnlyList<GuidanceBranch> rows)
    {
        foreach (var r in rows)
            if (!_written[Index(r)]) throw new InvalidOperationException($"no entry for branch {r}");
        var all = _all!;
        if (TryRun(rows, out int start)) return start == 0 && rows.Count == _order.Length ? all.alias() : all.narrow(0, start, rows.Count);
        using var idx = torch.tensor(rows.Select(r => (long)Index(r)).ToArray(), device: all.device);
        return all.index_select(0, idx);
    }

    /// <summary>Stores <paramref name="value"/> [B, ...] as the entries of <paramref name="rows"/> and consumes it: when the rows
    /// are every branch in plan order the batch keeps <paramref name="value"/> itself (it must be detached from every dispose
    /// scope), otherwise its rows are copied into the held tensor and it is disposed.</summary>
    public void Adopt(IReadOnlyList<GuidanceBranch> rows, Tensor value)
    {
        if (value.shape[0] != rows.Count) throw new ArgumentException($"value has {value.shape[0]} rows for {rows.Count} branches");
        if (rows.Count == _order.Length && TryRun(rows, out _))
        {
            _all?.Dispose();
            _all = value;
            Array.Fill(_written, true);
            return;
        }
        CopyRows(rows, value);
        value.Dispose();
    }

    /// <summary>Stores a copy of <paramref name="value"/> [B, ...] as the entries of <paramref name="rows"/>; the caller keeps
    /// owning <paramref name="value"/>.</summary>
    public void Set(IReadOnlyList<GuidanceBranch> rows, Tensor value)
    {
        if (value.shape[0] != rows.Count) throw new ArgumentException($"value has {value.shape[0]} rows for {rows.Count} branches");
        if (rows.Count == _order.Length && TryRun(rows, out _))
        {
            using var scope = NewDisposeScope();
            var copy = value.detach().clone();
            Adopt(rows, copy.DetachFromDisposeScope());
            return;
        }
        CopyRows(rows, value);
    }

    public void Dispose()
    {
        _all?.Dispose();
        _all = null;
        Array.Fill(_written, false);
    }

    // Writes each row of value into the held tensor, (re)allocating it when missing or of another row shape or dtype.
    private void CopyRows(IReadOnlyList<GuidanceBranch> rows, Tensor value)
    {
        using var scope = NewDisposeScope();
        long[] rowShape = value.shape.Skip(1).ToArray();
        if (_all is null || !_all.shape.Skip(1).SequenceEqual(rowShape) || _all.dtype != value.dtype
            || _all.device_type != value.device_type || _all.device_index != value.device_index)
        {
            _all?.Dispose();
            _all = torch.zeros([_order.Length, .. rowShape], dtype: value.dtype, device: value.device).DetachFromDisposeScope();
            Array.Fill(_written, false);
        }
        for (int r = 0; r < rows.Count; r++)
        {
            int i = Index(rows[r]);
            _all.narrow(0, i, 1).copy_(value.narrow(0, r, 1));
            _written[i] = true;
        }
    }

    // True when rows are consecutive branches in plan order; start is the first one's index.
    private bool TryRun(IReadOnlyList<GuidanceBranch> rows, out int start)
    {
        start = Index(rows[0]);
        for (int r = 1; r < rows.Count; r++)
            if (Index(rows[r]) != start + r) return false;
        return true;
    }

    private int Index(GuidanceBranch row)
    {
        int i = Array.IndexOf(_order, row);
        if (i < 0) throw new InvalidOperationException($"branch {row} is not one of this generation's branches ({string.Join(", ", _order)})");
        return i;
    }
}
