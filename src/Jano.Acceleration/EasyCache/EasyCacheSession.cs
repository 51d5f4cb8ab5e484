using Jano.Acceleration.Common;
using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.EasyCache;

/// <summary>
/// One EasyCache generation, per guidance branch, on the block stack (input x, output y, transformation vector
/// Δ = y − x). At each computed step after the first, the sensitivity k = mean|y − y'| / mean|x − x'| is re-estimated
/// from this and the previous computed step. On a candidate step the estimated relative output change
/// k · mean|x − x_prev| / mean|y_prev| (x_prev, y_prev: the previous step's input and output, computed or reused) is
/// accumulated; while the sum is below the threshold the step returns x + Δ, else it computes and resets the sum.
/// Rows of a batched forward keep separate state; when they disagree all rows compute and reset.
/// </summary>
public sealed class EasyCacheSession : IAcceleratorSession
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

    private readonly EasyCacheOptions _options;
    private readonly GenerationPlan _plan;
    private readonly Dictionary<GuidanceBranch, RowState> _rows = new();
    private readonly ResidualCache _residuals = new();
    private readonly StepSkipStats _stats = new();
    private bool _forced;
    private long _peakBytes;

    public EasyCacheSession(EasyCacheOptions options, GenerationPlan plan)
    {
        options.CheckRanges();
        _options = options;
        _plan = plan;
    }

    public void BeginStep(StepInfo step)
    {
        _forced = step.Index < _options.WarmupSteps || step.Index >= _plan.Steps - _options.CooldownSteps;
        _stats.BeginStep();
    }

    public ITransformerHooks Hooks(IReadOnlyList<GuidanceBranch> rows) => new StackHooks(this, rows.ToArray());

    public StepSummary EndStep(StepInfo step, Tensor guidedOutput) => _stats.Summary();

    public AcceleratorReport Report() => new()
    {
        Method = "easycache",
        CacheBytes = _peakBytes,
        Notes = [$"block stack computed in {_stats.ComputedRows} and reused in {_stats.ReusedRows} branch-forwards"],
    };

    public void Dispose()
    {
        foreach (var s in _rows.Values) s.Clear();
        _rows.Clear();
        _residuals.Dispose();
    }

    private RowState State(GuidanceBranch row)
    {
        if (!_rows.TryGetValue(row, out var s)) _rows[row] = s = new RowState();
        return s;
    }

    private Tensor RunBlockStack(GuidanceBranch[] rows, Tensor x, Func<Tensor, Tensor> runBlocks)
    {
        int n = (int)x.shape[1];
        if (_options.IsOff)
        {
            _stats.Record(rows.Length, n, computed: true);
            return runBlocks(x);
        }
        bool skip = !_forced && _residuals.Has(rows, n);
        for (int r = 0; r < rows.Length; r++)
        {
            var s = State(rows[r]);
            if (_forced || s.K is not { } k || s.PreviousInput is null || s.PreviousOutput is null || s.PreviousInput.shape[1] != n)
            {
                skip = false;
                continue;
            }
            var xr = Owned.Row(x, r);                               // [1, n, C]
            double outNorm = Owned.MeanAbs(s.PreviousOutput);
            double change = outNorm > 0 ? k * Owned.MeanAbsDiff(xr, s.PreviousInput) / outNorm : double.PositiveInfinity;
            s.Accumulated += change;
            skip &= s.Accumulated < _options.Thresh;
        }
        Tensor output;
        if (skip)
        {
            output = _residuals.Apply(rows, x);
            _stats.Record(rows.Length, n, computed: false);
        }
        else
        {
            output = runBlocks(x);
            for (int r = 0; r < rows.Length; r++)
            {
                var s = State(rows[r]);
                var xr = Owned.Row(x, r);
                var yr = Owned.Row(output, r);
                if (s.ComputedInput is { } cx && s.ComputedOutput is { } cy && cx.shape[1] == n)
                {
                    double dx = Owned.MeanAbsDiff(xr, cx);
                    s.K = dx > 0 ? Owned.MeanAbsDiff(yr, cy) / dx : s.K;
                }
                Owned.Set(ref s.ComputedInput, xr);
                Owned.Set(ref s.ComputedOutput, yr);
                s.Accumulated = 0;
            }
            _residuals.Store(rows, x, output);
            _stats.Record(rows.Length, n, computed: true);
        }
        for (int r = 0; r < rows.Length; r++)
        {
            var s = State(rows[r]);
            Owned.Set(ref s.PreviousInput, Owned.Row(x, r));
            Owned.Set(ref s.PreviousOutput, Owned.Row(output, r));
        }
        _peakBytes = Math.Max(_peakBytes, _residuals.Bytes + _rows.Values.Sum(s => s.Bytes));
        return output;
    }

    private sealed class StackHooks(EasyCacheSession session, GuidanceBranch[] rows) : ITransformerHooks
    {
        public TokenSelection SelectTokens(int tokenCount) => TokenSelection.All(tokenCount);

        public Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks) => session.RunBlockStack(rows, x, runBlocks);

        public Tensor RunBlock(int layer, Tensor x, Func<Tensor, Tensor> runBlock) => runBlock(x);

        public Tensor RunAttention(int layer, AttentionKind kind, Tensor input, Func<Tensor, Tensor> compute) => compute(input);

        public (Tensor Input, Tensor Positions)? ExtraKeyValueInput(int layer, Tensor x) => null;

        public (Tensor K, Tensor V) ExtendKeyValues(int layer, Tensor k, Tensor v) => (k, v);

        public Tensor ComposeOutput(Tensor output, TokenSelection selection) => output;
    }
}
