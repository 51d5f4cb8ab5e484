using System.Globalization;
using Jano.Acceleration.Common;
using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.MagCache;

/// <summary>
/// One MagCache generation. After the retention steps, per guidance branch and step: ratio ← ratio · γ_t,
/// steps ← steps + 1, err ← err + |1 − ratio|; the block stack is skipped (cached residual added) while
/// err &lt; magcache_thresh and steps ≤ K, otherwise computed and (ratio, steps, err) reset to (1, 0, 0).
/// State is per row; when batched rows disagree, all rows compute and all reset.
/// </summary>
public sealed class MagCacheSession : IAcceleratorSession
{
    private sealed class RowState
    {
        public double Ratio = 1.0;
        public int Steps;
        public double Error;
    }

    private readonly MagCacheOptions _options;
    private readonly GenerationPlan _plan;
    private readonly Dictionary<GuidanceBranch, RowState> _rows = new();
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
    }

    public void BeginStep(StepInfo step)
    {
        _step = step;
        _forced = step.Index < _options.RetentionSteps(_plan.Steps) || step.Index >= _plan.Steps - _options.CooldownSteps;
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
        _rows.Clear();
    }

    private Tensor RunBlockStack(GuidanceBranch[] rows, Tensor x, Func<Tensor, Tensor> runBlocks)
    {
        int n = (int)x.shape[1];
        var step = _step ?? throw new InvalidOperationException("BeginStep must come before a forward");
        bool skip = !_options.IsOff && !_forced && _residuals.Has(rows, n);
        if (skip)
        {
            double gamma = _options.RatioAt(step.Index, _plan.Steps);
            foreach (var row in rows)
            {
                if (!_rows.TryGetValue(row, out var s)) _rows[row] = s = new RowState();
                s.Ratio *= gamma;
                s.Steps += 1;
                s.Error += Math.Abs(1 - s.Ratio);
                skip &= s.Error < _options.MagcacheThresh && s.Steps <= _options.MagcacheK;
            }
        }
        if (skip)
        {
            _stats.Record(rows.Length, n, computed: false);
            return _residuals.Apply(rows, x);
        }
        var output = runBlocks(x);
        Observe(rows, x, output, step.Index);
        _residuals.Store(rows, x, output);
        foreach (var row in rows) _rows[row] = new RowState();
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
            _observedRatios.Add(now.div(before.clamp_min(1e-12)).mean().item<float>());
        }
        _lastComputedStep = index;
    }

    private sealed class StackHooks(MagCacheSession session, GuidanceBranch[] rows) : ITransformerHooks
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
