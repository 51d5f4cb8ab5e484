using Jano.Acceleration.Common;
using Jano.Core.Acceleration;
using static TorchSharp.torch;

namespace Jano.Acceleration.TeaCache;

/// <summary>
/// One TeaCache generation: <see cref="TeaCacheRule"/> decides per guidance branch; while every row of a forward may
/// skip, the block stack is skipped and each branch's cached residual (output − input of the stack at its last computed
/// step) is added instead. The first <c>warmup_steps</c> and last <c>cooldown_steps</c> steps always compute. When the
/// rows of a batched forward disagree (one would skip, one would compute), all rows compute and all accumulators reset.
/// </summary>
public sealed class TeaCacheSession : IAcceleratorSession
{
    private readonly TeaCacheOptions _options;
    private readonly GenerationPlan _plan;
    private readonly TeaCacheRule _rule;
    private readonly ResidualCache _residuals = new();
    private readonly StepSkipStats _stats = new();
    private bool _forced;
    private long _probeBytes;

    public TeaCacheSession(TeaCacheOptions options, TransformerDescriptor model, GenerationPlan plan)
    {
        options.CheckRanges();
        _options = options;
        _plan = plan;
        _rule = new TeaCacheRule(options);
    }

    /// <summary>Accumulated rescaled change of a branch (for tests and reports).</summary>
    public double Accumulated(GuidanceBranch row) => _rule.Accumulated(row);

    public void BeginStep(StepInfo step)
    {
        _forced = step.Index < _options.WarmupSteps || step.Index >= _plan.Steps - _options.CooldownSteps;
        _rule.BeginStep(step, _forced);
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
        _rule.Dispose();
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
        var signal = new StackSignal(x, probe);
        bool reusable = _residuals.Has(rows, n);
        bool skip = _rule.Decide(rows, signal, reusable) && !_forced && reusable;
        _probeBytes = Math.Max(_probeBytes, _rule.Bytes);
        if (skip)
        {
            _stats.Record(rows.Length, n, computed: false);
            var reused = _residuals.Apply(rows, x);
            _rule.Reused(rows, signal, reused);
            return reused;
        }
        var output = runBlocks(x);
        _residuals.Store(rows, x, output);
        _rule.Computed(rows, signal, output);
        _stats.Record(rows.Length, n, computed: true);
        return output;
    }

    private sealed class StackHooks(TeaCacheSession session, GuidanceBranch[] rows) : TransformerHooks
    {
        public override Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks) =>
            session.RunBlockStack(rows, x, probe, runBlocks);
    }
}
