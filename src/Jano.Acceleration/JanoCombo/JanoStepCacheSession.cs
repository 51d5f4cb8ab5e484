using Jano.Acceleration.Common;
using Jano.Acceleration.JanoMethod;
using Jano.Core.Acceleration;
using static TorchSharp.torch;

namespace Jano.Acceleration.JanoCombo;

/// <summary>
/// One <c>jano+NAME</c> generation: a <see cref="JanoSession"/> drives token levels, and the step cache's skip rule
/// (<see cref="IStepSkipRule"/>) may skip a whole forward of a cheap (level 1 or 2) step. Composed through public
/// members only: Jano's hooks are wrapped (<see cref="DelegatingHooks"/>), never downcast.
/// <para>Protected steps: warm-up, cool-down, every level-0 step (also a degenerate analysis) and every level-3 step
/// always run their blocks; the rule sees them as forced (it observes them, e.g. keeps TeaCache's probe, but never
/// skips) and a computed forward resets it as in the standalone cache.</para>
/// <para>Signal: the rule reads the rows the forward computes. On full-sequence steps (warm-up, level 3) that is every
/// token; on a cheap step it is the selected rows, compared with the same rows of what the rule kept per branch
/// (e.g. TeaCache: the relative L1 change between the subset probe and the same rows of the kept probe), after which the
/// kept full-sequence tensors take the new rows.</para>
/// <para>Skip: when the rule lets every row of the forward skip, the blocks are not run and the forward's output is the
/// last full model output of those rows (Jano's output buffer, <see cref="JanoSession.CurrentOutput"/>); nothing of
/// Jano's is cached or refreshed on a skipped forward. Rows of a batched forward that disagree all compute.</para>
/// </summary>
public sealed class JanoStepCacheSession : IAcceleratorSession
{
    private readonly JanoStepCacheOptions _options;
    private readonly JanoSession _jano;
    private readonly IStepSkipRule _rule;
    private bool _protected;
    private long _skippedTokens;
    private int _skippedForwards;
    private int _forwards;
    private long _totalSkippedForwards;
    private long _totalComputedForwards;
    private long _ruleBytes;

    public JanoStepCacheSession(JanoStepCacheOptions options, TransformerDescriptor model, GenerationPlan plan)
    {
        options.CheckRanges();
        _options = options;
        _jano = new JanoSession(options.Jano, model, plan);
        _rule = options.Cache.CreateRule(model, plan);
    }

    /// <summary>The inner Jano session (analysis, partition).</summary>
    public JanoSession Jano => _jano;

    /// <summary>The step cache's rule (its per-branch state).</summary>
    public IStepSkipRule Rule => _rule;

    /// <summary>Jano level of the current step (0 full, 1..3), valid after <see cref="BeginStep"/>.</summary>
    public int StepLevel => _jano.Level;

    /// <summary>True when the current step can never be skipped (warm-up, cool-down, level 0 or level 3).</summary>
    public bool StepProtected => _protected;

    public void BeginStep(StepInfo step)
    {
        _jano.BeginStep(step);
        _protected = _jano.Level is 0 or 3;
        _rule.BeginStep(step, _protected);
        _skippedTokens = 0;
        _skippedForwards = 0;
        _forwards = 0;
    }

    public ITransformerHooks Hooks(IReadOnlyList<GuidanceBranch> rows)
    {
        _forwards++;
        return new ComboHooks(this, _jano.Hooks(rows), rows.ToArray());
    }

    public StepSummary EndStep(StepInfo step, Tensor guidedOutput)
    {
        var s = _jano.EndStep(step, guidedOutput);
        if (_skippedForwards == 0) return s;
        string level = _skippedForwards == _forwards ? "skip" : s.Level + "+skip";
        return s with { Level = level, TokensComputed = s.TokensComputed - _skippedTokens };
    }

    public AcceleratorReport Report()
    {
        var inner = _jano.Report();
        return new AcceleratorReport
        {
            Method = _options.Name,
            AnalysisSeconds = inner.AnalysisSeconds,
            LevelFractions = inner.LevelFractions,
            TokenLevels = inner.TokenLevels,
            TokenGrid = inner.TokenGrid,
            CacheBytes = inner.CacheBytes + _ruleBytes,
            Notes = [.. inner.Notes, $"step cache ({_options.Cache.Method}): blocks ran in {_totalComputedForwards} and were skipped in {_totalSkippedForwards} forwards"],
        };
    }

    public void Dispose()
    {
        _rule.Dispose();
        _jano.Dispose();
    }

    /// <summary>Decides for one forward; returns true when its blocks are skipped.</summary>
    private bool Decide(GuidanceBranch[] rows, StackSignal signal)
    {
        if (_options.Cache.IsOff) return false;
        bool skip = _rule.Decide(rows, signal, reusable: true) && !_protected;
        _ruleBytes = Math.Max(_ruleBytes, _rule.Bytes);
        return skip;
    }

    private sealed class ComboHooks(JanoStepCacheSession session, ITransformerHooks inner, GuidanceBranch[] rows) : DelegatingHooks(inner)
    {
        private TokenSelection? _selection;
        private bool _skipped;

        public override TokenSelection SelectTokens(int tokenCount) => _selection = Inner.SelectTokens(tokenCount);

        public override Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks)
        {
            var signal = new StackSignal(x, probe, _selection);
            if (session.Decide(rows, signal))
            {
                _skipped = true;
                session._skippedForwards++;
                session._skippedTokens += (long)(_selection?.Count ?? (int)x.shape[1]) * rows.Length;
                session._totalSkippedForwards++;
                session._rule.Reused(rows, signal, null);
                session._ruleBytes = Math.Max(session._ruleBytes, session._rule.Bytes);
                return x; // the head's output is replaced by the buffered full output in ComposeOutput
            }
            var output = Inner.RunBlockStack(x, probe, runBlocks);
            if (!session._options.Cache.IsOff) session._rule.Computed(rows, signal, output);
            session._ruleBytes = Math.Max(session._ruleBytes, session._rule.Bytes);
            session._totalComputedForwards++;
            return output;
        }

        public override Tensor ComposeOutput(Tensor output, TokenSelection selection) =>
            _skipped ? session._jano.CurrentOutput(rows) : Inner.ComposeOutput(output, selection);
    }
}
