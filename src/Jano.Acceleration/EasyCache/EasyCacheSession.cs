using Jano.Acceleration.Common;
using Jano.Core.Acceleration;
using static TorchSharp.torch;

namespace Jano.Acceleration.EasyCache;

/// <summary>
/// One EasyCache generation: after the warm-up steps <see cref="EasyCacheRule"/> decides per guidance branch; a skip
/// returns x + Δ with each branch's last transformation vector (the cached residual of the block stack). The last
/// <c>cooldown_steps</c> steps always compute. Rows of a batched forward keep separate state; when they disagree all rows
/// compute and reset.
/// </summary>
public sealed class EasyCacheSession : IAcceleratorSession
{
    private readonly EasyCacheOptions _options;
    private readonly GenerationPlan _plan;
    private readonly EasyCacheRule _rule;
    private readonly ResidualCache _residuals = new();
    private readonly StepSkipStats _stats = new();
    private bool _forced;
    private long _peakBytes;

    public EasyCacheSession(EasyCacheOptions options, GenerationPlan plan)
    {
        options.CheckRanges();
        _options = options;
        _plan = plan;
        _rule = new EasyCacheRule(options);
    }

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
        Method = "easycache",
        CacheBytes = _peakBytes,
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
        Tensor output;
        if (skip)
        {
            output = _residuals.Apply(rows, x);
            _stats.Record(rows.Length, n, computed: false);
            _rule.Reused(rows, signal, output);
        }
        else
        {
            output = runBlocks(x);
            _rule.Computed(rows, signal, output);
            _residuals.Store(rows, x, output);
            _stats.Record(rows.Length, n, computed: true);
        }
        _peakBytes = Math.Max(_peakBytes, _residuals.Bytes + _rule.Bytes);
        return output;
    }

    private sealed class StackHooks(EasyCacheSession session, GuidanceBranch[] rows) : TransformerHooks
    {
        public override Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks) =>
            session.RunBlockStack(rows, x, probe, runBlocks);
    }
}
