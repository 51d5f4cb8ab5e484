using System.Globalization;
using Jano.Acceleration.Common;
using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.MagCache;

/// <summary>
/// One MagCache generation: after the retention steps <see cref="MagCacheRule"/> decides per guidance branch; a skip adds
/// each branch's cached residual of the block stack. When batched rows disagree, all rows compute and all reset. Full
/// forwards also record the observed residual-magnitude ratios of the cond branch (a calibration aid, in the notes).
/// </summary>
public sealed class MagCacheSession : IAcceleratorSession
{
    private readonly MagCacheOptions _options;
    private readonly GenerationPlan _plan;
    private readonly MagCacheRule _rule;
    private readonly ResidualCache _residuals = new();
    private readonly StepSkipStats _stats = new();
    private readonly List<double> _observedRatios = new();
    private int _lastComputedStep = -2;
    private StepInfo? _step;
    private bool _forced;

    public MagCacheSession(MagCacheOptions options, GenerationPlan plan)
    {
        options.CheckRanges();
        _options = options;
        _plan = plan;
        _rule = new MagCacheRule(options, plan.Steps);
    }

    public void BeginStep(StepInfo step)
    {
        _step = step;
        _forced = step.Index < _options.RetentionSteps(_plan.Steps) || step.Index >= _plan.Steps - _options.CooldownSteps;
        _rule.BeginStep(step, _forced);
        _stats.BeginStep();
    }

    public ITransformerHooks Hooks(IReadOnlyList<GuidanceBranch> rows) => new StackHooks(this, rows.ToArray());

    public StepSummary EndStep(StepInfo step, Tensor guidedOutput) => _stats.Summary();

    public AcceleratorReport Report() => new()
    {
        Method = "magcache",
        CacheBytes = _residuals.PeakBytes,
        Notes =
        [
            $"block stack computed in {_stats.ComputedRows} and reused in {_stats.ReusedRows} branch-forwards",
            "observed mag_ratios (cond, consecutive computed steps)=" +
            string.Join(";", _observedRatios.Select(r => r.ToString("F4", CultureInfo.InvariantCulture))),
        ],
    };

    public void Dispose()
    {
        _residuals.Dispose();
        _rule.Dispose();
    }

    private Tensor RunBlockStack(GuidanceBranch[] rows, Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks)
    {
        int n = (int)x.shape[1];
        var step = _step ?? throw new InvalidOperationException("BeginStep must come before a forward");
        var signal = new StackSignal(x, probe);
        bool skip = !_options.IsOff && _rule.Decide(rows, signal, _residuals.Has(rows, n));
        if (skip)
        {
            _stats.Record(rows.Length, n, computed: false);
            var reused = _residuals.Apply(rows, x);
            _rule.Reused(rows, signal, reused);
            return reused;
        }
        var output = runBlocks(x);
        Observe(rows, x, output, step.Index);
        _residuals.Store(rows, x, output);
        _rule.Computed(rows, signal, output);
        _stats.Record(rows.Length, n, computed: true);
        return output;
    }

    // Calibration aid: mean over tokens of ‖r_t‖ / ‖r_{t−1}‖ for the cond row when the previous step also computed.
    private void Observe(GuidanceBranch[] rows, Tensor x, Tensor output, int index)
    {
        int r = Array.IndexOf(rows, GuidanceBranch.Cond);
        if (r < 0) return;
        if (_lastComputedStep == index - 1 && _residuals.Has([GuidanceBranch.Cond], x.shape[1]))
        {
            using var scope = NewDisposeScope();
            var now = Owned.Row(output, r).sub(Owned.Row(x, r)).to(ScalarType.Float32).square().sum(-1).sqrt(); // [1, n]
            var before = _residuals.Get(GuidanceBranch.Cond).to(ScalarType.Float32).square().sum(-1).sqrt();  // [1, n]
            using var tiny = 1e-12.ToScalar(); // explicit: an implicit Scalar may be finalized mid-call (TorchSharp 0.107)
            _observedRatios.Add(now.div(before.clamp_min(tiny)).mean().item<float>());
        }
        _lastComputedStep = index;
    }

    private sealed class StackHooks(MagCacheSession session, GuidanceBranch[] rows) : TransformerHooks
    {
        public override Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks) =>
            session.RunBlockStack(rows, x, probe, runBlocks);
    }
}
