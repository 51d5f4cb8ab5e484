using Jano.Acceleration.Common;
using Jano.Core.Acceleration;
using static TorchSharp.torch;

namespace Jano.Acceleration.MagCache;

/// <summary>
/// MagCache's skip rule, per guidance branch: on every forward that could skip (not forced, something to reuse),
/// ratio ← ratio · γ_t (the calibrated residual-magnitude ratio of the step), steps ← steps + 1, err ← err + |1 − ratio|;
/// the branch may skip while err &lt; <c>magcache_thresh</c> and steps ≤ <c>magcache_k</c>. A computed forward resets
/// (ratio, steps, err) to (1, 0, 0). The signal is the calibrated ratio table, so a subset forward (Jano's cheap steps)
/// counts like a full one.
/// </summary>
public sealed class MagCacheRule(MagCacheOptions options, int steps) : IStepSkipRule
{
    private sealed class RowState
    {
        public double Ratio = 1.0;
        public int Steps;
        public double Error;
    }

    private readonly Dictionary<GuidanceBranch, RowState> _rows = new();
    private StepInfo? _step;
    private bool _forced;

    public long Bytes => 0;

    public void BeginStep(StepInfo step, bool forced)
    {
        _step = step;
        _forced = forced;
    }

    public bool Decide(GuidanceBranch[] rows, StackSignal signal, bool reusable)
    {
        var step = _step ?? throw new InvalidOperationException("BeginStep must come before a forward");
        if (_forced || !reusable) return false;
        bool skip = true;
        double gamma = options.RatioAt(step.Index, steps);
        foreach (var row in rows)
        {
            if (!_rows.TryGetValue(row, out var s)) _rows[row] = s = new RowState();
            s.Ratio *= gamma;
            s.Steps += 1;
            s.Error += Math.Abs(1 - s.Ratio);
            skip &= s.Error < options.MagcacheThresh && s.Steps <= options.MagcacheK;
        }
        return skip;
    }

    public void Computed(GuidanceBranch[] rows, StackSignal signal, Tensor output)
    {
        foreach (var row in rows) _rows[row] = new RowState();
    }

    public void Reused(GuidanceBranch[] rows, StackSignal signal, Tensor? output)
    {
    }

    public void Dispose() => _rows.Clear();
}
