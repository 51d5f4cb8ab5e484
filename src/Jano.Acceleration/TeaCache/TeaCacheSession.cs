using Jano.Acceleration.Common;
using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.TeaCache;

/// <summary>
/// One TeaCache generation (spec §5.1, FLUX-style signal): per guidance branch, the relative L1 change
/// <c>mean|p − p_prev| / mean|p_prev|</c> of the probe p (block 0's modulated input) is rescaled by the polynomial and
/// accumulated; while the accumulator is below the threshold the block stack is skipped and the branch's cached residual
/// (output − input of the stack at its last computed step) is added instead. Computing resets the accumulator; the
/// previous probe is updated every step. Branch state (probe, accumulator, residual) is kept per row. When the rows of a
/// batched forward disagree (one would skip, one would compute), all rows compute and all accumulators reset.
/// </summary>
public sealed class TeaCacheSession : IAcceleratorSession
{
    private sealed class RowState
    {
        public Tensor? PreviousProbe;
        public double Accumulated;
    }

    private readonly TeaCacheOptions _options;
    private readonly TransformerDescriptor _model;
    private readonly GenerationPlan _plan;
    private readonly Dictionary<GuidanceBranch, RowState> _rows = new();
    private readonly ResidualCache _residuals = new();
    private readonly StepSkipStats _stats = new();
    private bool _forced;
    private long _probeBytes;

    public TeaCacheSession(TeaCacheOptions options, TransformerDescriptor model, GenerationPlan plan)
    {
        options.CheckRanges();
        _options = options;
        _model = model;
        _plan = plan;
    }

    /// <summary>Accumulated rescaled change of a branch (for tests and reports).</summary>
    public double Accumulated(GuidanceBranch row) => _rows.TryGetValue(row, out var s) ? s.Accumulated : 0;

    public void BeginStep(StepInfo step)
    {
        _forced = step.Index < _options.WarmupSteps || step.Index >= _plan.Steps - _options.CooldownSteps;
        _stats.BeginStep();
    }

    public ITransformerHooks Hooks(IReadOnlyList<GuidanceBranch> rows) => new StackHooks(this, rows.ToArray());

    public StepSummary EndStep(StepInfo step, Tensor guidedOutput) => _stats.Summary();

    public AcceleratorReport Report() => new()
    {
        Method = "teacache",
        CacheBytes = _residuals.PeakBytes + _probeBytes,
        Notes = [$"block stack computed in {_stats.ComputedRows} and reused in {_stats.ReusedRows} branch-forwards"],
    };

    public void Dispose()
    {
        foreach (var s in _rows.Values) Owned.Clear(ref s.PreviousProbe);
        _rows.Clear();
        _residuals.Dispose();
    }

    private Tensor RunBlockStack(GuidanceBranch[] rows, Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks)
    {
        int n = (int)x.shape[1];
        if (_options.IsOff)
        {
            _stats.Record(rows.Length, n, computed: true);
            return runBlocks(x);
        }
        bool skip = !_forced && _residuals.Has(rows, n);
        using (var scope = NewDisposeScope())
        {
            var p = probe(); // [B, n, C]
            for (int r = 0; r < rows.Length; r++)
            {
                if (!_rows.TryGetValue(rows[r], out var state)) _rows[rows[r]] = state = new RowState();
                var pr = Owned.Row(p, r); // [1, n, C]
                bool rowSkips = false;
                if (!_forced && state.PreviousProbe is { } prev && prev.shape.SequenceEqual(pr.shape))
                {
                    double denom = Owned.MeanAbs(prev);
                    double rel = denom > 0 ? Owned.MeanAbsDiff(pr, prev) / denom : double.PositiveInfinity;
                    state.Accumulated += _options.Rescale(rel);
                    rowSkips = state.Accumulated < _options.RelL1Thresh;
                }
                Owned.Set(ref state.PreviousProbe, pr);
                skip &= rowSkips;
            }
            _probeBytes = Math.Max(_probeBytes, _rows.Values.Sum(s => Owned.Bytes(s.PreviousProbe)));
        }
        if (skip)
        {
            _stats.Record(rows.Length, n, computed: false);
            return _residuals.Apply(rows, x);
        }
        var output = runBlocks(x);
        _residuals.Store(rows, x, output);
        foreach (var row in rows) _rows[row].Accumulated = 0;
        _stats.Record(rows.Length, n, computed: true);
        return output;
    }

    private sealed class StackHooks(TeaCacheSession session, GuidanceBranch[] rows) : ITransformerHooks
    {
        public TokenSelection SelectTokens(int tokenCount) => TokenSelection.All(tokenCount);

        public Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks) =>
            session.RunBlockStack(rows, x, probe, runBlocks);

        public Tensor RunBlock(int layer, Tensor x, Func<Tensor, Tensor> runBlock) => runBlock(x);

        public Tensor RunAttention(int layer, AttentionKind kind, Tensor input, Func<Tensor, Tensor> compute) => compute(input);

        public (Tensor Input, Tensor Positions)? ExtraKeyValueInput(int layer, Tensor x) => null;

        public (Tensor K, Tensor V) ExtendKeyValues(int layer, Tensor k, Tensor v) => (k, v);

        public Tensor ComposeOutput(Tensor output, TokenSelection selection) => output;
    }
}
