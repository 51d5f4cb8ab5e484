using Jano.Acceleration.Common;
using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Acceleration.EasyCache;

/// <summary>
/// EasyCache's skip rule, per guidance branch, on the block stack (input x, output y, transformation vector Δ = y − x).
/// At each computed forward after the first, the sensitivity k = mean|y − y'| / mean|x − x'| is re-estimated from this and
/// the previous computed forward. On a candidate forward the estimated relative output change
/// k · mean|x − x_prev| / mean|y_prev| (x_prev, y_prev: the previous forward's input and output, computed or reused) is
/// accumulated; the branch may skip while the sum stays below <c>thresh</c>; computing resets it. On a subset forward
/// (Jano's cheap steps) every mean runs over the computed rows, against the same rows of the kept full-sequence tensors,
/// which then take the new rows; a skip that has no stack output (Jano reuses its last full output) keeps x + Δ as y.
/// </summary>
public sealed class EasyCacheRule(EasyCacheOptions options) : IStepSkipRule
{
    private sealed class RowState
    {
        public Tensor? PreviousInput;
        public Tensor? PreviousOutput;
        public Tensor? ComputedInput;
        public Tensor? ComputedOutput;
        public double? K;
        public double Accumulated;

        public long Bytes => Owned.Bytes(PreviousInput) + Owned.Bytes(PreviousOutput) + Owned.Bytes(ComputedInput) + Owned.Bytes(ComputedOutput);

        public void Clear()
        {
            Owned.Clear(ref PreviousInput);
            Owned.Clear(ref PreviousOutput);
            Owned.Clear(ref ComputedInput);
            Owned.Clear(ref ComputedOutput);
        }
    }

    private readonly Dictionary<GuidanceBranch, RowState> _rows = new();
    private bool _forced;

    public long Bytes => _rows.Values.Sum(s => s.Bytes);

    public void BeginStep(StepInfo step, bool forced) => _forced = forced;

    public bool Decide(GuidanceBranch[] rows, StackSignal signal, bool reusable)
    {
        using var scope = NewDisposeScope();
        var x = signal.Input;
        var sel = signal.Selection;
        long n = x.shape[1];
        bool skip = true;
        for (int r = 0; r < rows.Length; r++)
        {
            var s = State(rows[r]);
            if (_forced || s.K is not { } k || !KeptRows.Covers(s.PreviousInput, sel, n) || s.PreviousOutput is null)
            {
                skip = false;
                continue;
            }
            double change = 0;
            if (n > 0)
            {
                var xr = Owned.Row(x, r);                                                 // [1, n, C]
                double outNorm = Owned.MeanAbs(KeptRows.Of(s.PreviousOutput, sel));
                change = outNorm > 0 ? k * Owned.MeanAbsDiff(xr, KeptRows.Of(s.PreviousInput!, sel)) / outNorm : double.PositiveInfinity;
            }
            s.Accumulated += change;
            skip &= s.Accumulated < options.Thresh;
        }
        return skip;
    }

    public void Computed(GuidanceBranch[] rows, StackSignal signal, Tensor output)
    {
        using var scope = NewDisposeScope();
        var x = signal.Input;
        var sel = signal.Selection;
        long n = x.shape[1];
        for (int r = 0; r < rows.Length; r++)
        {
            var s = State(rows[r]);
            var xr = Owned.Row(x, r);
            var yr = Owned.Row(output, r);
            if (n > 0 && KeptRows.Covers(s.ComputedInput, sel, n) && s.ComputedOutput is { } cy)
            {
                double dx = Owned.MeanAbsDiff(xr, KeptRows.Of(s.ComputedInput!, sel));
                s.K = dx > 0 ? Owned.MeanAbsDiff(yr, KeptRows.Of(cy, sel)) / dx : s.K;
            }
            KeptRows.Update(ref s.ComputedInput, xr, sel);
            KeptRows.Update(ref s.ComputedOutput, yr, sel);
            s.Accumulated = 0;
        }
        KeepPrevious(rows, x, output, sel);
    }

    public void Reused(GuidanceBranch[] rows, StackSignal signal, Tensor? output)
    {
        using var scope = NewDisposeScope();
        var x = signal.Input;
        var sel = signal.Selection;
        if (output is null)
        {
            // no stack output (the caller reused a whole model output): y = x + Δ on the computed rows
            var rowsOut = new Tensor[rows.Length];
            for (int r = 0; r < rows.Length; r++)
            {
                var s = State(rows[r]);
                if (s.ComputedInput is null || s.ComputedOutput is null || !KeptRows.Covers(s.ComputedInput, sel, x.shape[1])) return;
                rowsOut[r] = Owned.Row(x, r).Plus(KeptRows.Of(s.ComputedOutput, sel).sub(KeptRows.Of(s.ComputedInput, sel)).to(x.dtype)); // [1, n, C]
            }
            output = torch.cat(rowsOut, 0);                                               // [B, n, C]
        }
        KeepPrevious(rows, x, output, sel);
    }

    public void Dispose()
    {
        foreach (var s in _rows.Values) s.Clear();
        _rows.Clear();
    }

    // x_prev, y_prev ← this forward's input and output, on its rows.
    private void KeepPrevious(GuidanceBranch[] rows, Tensor x, Tensor output, TokenSelection? sel)
    {
        for (int r = 0; r < rows.Length; r++)
        {
            var s = State(rows[r]);
            KeptRows.Update(ref s.PreviousInput, Owned.Row(x, r), sel);
            KeptRows.Update(ref s.PreviousOutput, Owned.Row(output, r), sel);
        }
    }

    private RowState State(GuidanceBranch row)
    {
        if (!_rows.TryGetValue(row, out var s)) _rows[row] = s = new RowState();
        return s;
    }
}
