using Jano.Acceleration.Common;
using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.TeaCache;

/// <summary>
/// TeaCache's skip rule (spec §5.1, FLUX-style signal), per guidance branch: the relative L1 change
/// <c>mean|p − q| / mean|q|</c> of the probe p (block 0's modulated input) against the branch's previous probe q is rescaled
/// by the polynomial and accumulated; the branch may skip while the sum stays below <c>rel_l1_thresh</c>. A computed forward
/// resets the sum; the probe is kept on every forward, forced or not. On a subset forward (Jano's cheap steps) p covers
/// the computed rows and q is the same rows of the kept full-sequence probe, which then takes the new rows (an empty subset
/// counts as no change).
/// </summary>
public sealed class TeaCacheRule(TeaCacheOptions options) : IStepSkipRule
{
    private sealed class RowState
    {
        public Tensor? Probe;
        public double Accumulated;
    }

    private readonly Dictionary<GuidanceBranch, RowState> _rows = new();
    private bool _forced;

    /// <summary>Accumulated rescaled change of a branch since its last computed forward.</summary>
    public double Accumulated(GuidanceBranch row) => _rows.TryGetValue(row, out var s) ? s.Accumulated : 0;

    public long Bytes => _rows.Values.Sum(s => Owned.Bytes(s.Probe));

    public void BeginStep(StepInfo step, bool forced) => _forced = forced;

    public bool Decide(GuidanceBranch[] rows, StackSignal signal, bool reusable)
    {
        bool skip = true;
        using var scope = NewDisposeScope();
        var p = signal.Probe(); // [B, n, C]
        for (int r = 0; r < rows.Length; r++)
        {
            if (!_rows.TryGetValue(rows[r], out var state)) _rows[rows[r]] = state = new RowState();
            var pr = Owned.Row(p, r); // [1, n, C]
            bool rowSkips = false;
            if (signal.IsFull)
            {
                if (!_forced && state.Probe is { } prev && prev.shape.SequenceEqual(pr.shape))
                    rowSkips = Accumulate(state, pr, prev);
                Owned.Set(ref state.Probe, pr);
            }
            else if (state.Probe is { } kept)
            {
                if (signal.Selection!.IsEmpty) rowSkips = !_forced && Accumulate(state, 0.0);
                else
                {
                    var q = KeptRows.Of(kept, signal.Selection); // [1, n, C]
                    if (!_forced) rowSkips = Accumulate(state, pr, q);
                    KeptRows.Update(ref state.Probe, pr, signal.Selection);
                }
            }
            skip &= rowSkips;
        }
        return skip;
    }

    public void Computed(GuidanceBranch[] rows, StackSignal signal, Tensor output)
    {
        foreach (var row in rows)
            if (_rows.TryGetValue(row, out var s)) s.Accumulated = 0;
    }

    public void Reused(GuidanceBranch[] rows, StackSignal signal, Tensor? output)
    {
    }

    public void Dispose()
    {
        foreach (var s in _rows.Values) Owned.Clear(ref s.Probe);
        _rows.Clear();
    }

    private bool Accumulate(RowState state, Tensor current, Tensor previous)
    {
        double denom = Owned.MeanAbs(previous);
        double rel = denom > 0 ? Owned.MeanAbsDiff(current, previous) / denom : double.PositiveInfinity;
        return Accumulate(state, rel);
    }

    private bool Accumulate(RowState state, double rel)
    {
        state.Accumulated += options.Rescale(rel);
        return state.Accumulated < options.RelL1Thresh;
    }
}
