using Jano.Acceleration.Common;
using Jano.Acceleration.JanoMethod;
using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.JanoCombo;

/// <summary>
/// One <c>jano+teacache</c> generation: a <see cref="JanoSession"/> drives token levels, and a TeaCache-style step
/// cache may skip a whole forward of a cheap (level 1 or 2) step.
/// <para>Protected steps: warm-up, cool-down, every level-0 step (also a degenerate analysis) and every level-3 step
/// always run their blocks; the step cache never skips them, and each of them resets the branch's accumulator.</para>
/// <para>Signal: per guidance branch the session keeps a full-sequence probe [1, N, C] (block 0's modulated input over
/// all tokens), stored whole on full-sequence steps (warm-up, level 3). On a cheap step the model's probe covers only
/// the selected rows; the decision uses those rows: the relative L1 change <c>mean|p − q| / mean|q|</c> between the
/// current subset probe p and the same rows q of the kept probe, rescaled by the TeaCache polynomial and accumulated.
/// The subset rows are then written into the kept probe, so it always holds each token's latest probe (rows not
/// computed keep their last full-step values). An empty subset counts as no change.</para>
/// <para>Skip: when the accumulator of every row of the forward stays below <c>rel_l1_thresh</c>, the blocks are not
/// run and the forward's output is the last full model output of those rows (Jano's <see cref="OutputBuffer"/>);
/// nothing is cached or refreshed on a skipped forward. Computing resets the rows' accumulators. Rows of a batched
/// forward that disagree all compute, as in TeaCache.</para>
/// </summary>
public sealed class JanoTeaCacheSession : IAcceleratorSession
{
    private sealed class RowState
    {
        public Tensor? Probe;
        public double Accumulated;
    }

    private readonly JanoTeaCacheOptions _options;
    private readonly JanoSession _jano;
    private readonly Dictionary<GuidanceBranch, RowState> _rows = new();
    private bool _protected;
    private long _skippedTokens;
    private int _skippedForwards;
    private int _forwards;
    private long _totalSkippedForwards;
    private long _totalComputedForwards;
    private long _probeBytes;

    public JanoTeaCacheSession(JanoTeaCacheOptions options, TransformerDescriptor model, GenerationPlan plan)
    {
        options.CheckRanges();
        _options = options;
        _jano = new JanoSession(options.Jano, model, plan);
    }

    /// <summary>The inner Jano session (analysis, partition).</summary>
    public JanoSession Jano => _jano;

    /// <summary>Accumulated rescaled change of a branch since its last computed forward.</summary>
    public double Accumulated(GuidanceBranch row) => _rows.TryGetValue(row, out var s) ? s.Accumulated : 0;

    /// <summary>Jano level of the current step (0 full, 1..3), valid after <see cref="BeginStep"/>.</summary>
    public int StepLevel => _jano.Level;

    /// <summary>True when the current step can never be skipped (warm-up, cool-down, level 0 or level 3).</summary>
    public bool StepProtected => _protected;

    public void BeginStep(StepInfo step)
    {
        _jano.BeginStep(step);
        _protected = _jano.Level is 0 or 3;
        _skippedTokens = 0;
        _skippedForwards = 0;
        _forwards = 0;
    }

    public ITransformerHooks Hooks(IReadOnlyList<GuidanceBranch> rows)
    {
        var inner = (JanoHooks)_jano.Hooks(rows);
        _forwards++;
        return new ComboHooks(this, inner, rows.ToArray());
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
            Method = "jano+teacache",
            AnalysisSeconds = inner.AnalysisSeconds,
            LevelFractions = inner.LevelFractions,
            TokenLevels = inner.TokenLevels,
            TokenGrid = inner.TokenGrid,
            CacheBytes = inner.CacheBytes + _probeBytes,
            Notes = [.. inner.Notes, $"step cache: blocks ran in {_totalComputedForwards} and were skipped in {_totalSkippedForwards} forwards"],
        };
    }

    public void Dispose()
    {
        foreach (var s in _rows.Values) Owned.Clear(ref s.Probe);
        _rows.Clear();
        _jano.Dispose();
    }

    /// <summary>Decides for one forward; returns true when its blocks are skipped.</summary>
    private bool Decide(GuidanceBranch[] rows, TokenSelection? selection, Func<Tensor> probe)
    {
        if (_options.Cache.IsOff) return false;
        bool skip = !_protected;
        using (var scope = NewDisposeScope())
        {
            var p = probe(); // [B, n, C]
            bool full = selection is null || selection.IsAll;
            for (int r = 0; r < rows.Length; r++)
            {
                if (!_rows.TryGetValue(rows[r], out var state)) _rows[rows[r]] = state = new RowState();
                var pr = Owned.Row(p, r); // [1, n, C]
                bool rowSkips = false;
                if (full)
                {
                    if (!_protected && state.Probe is { } prev && prev.shape.SequenceEqual(pr.shape))
                        rowSkips = Accumulate(state, pr, prev);
                    Owned.Set(ref state.Probe, pr);
                }
                else if (state.Probe is { } kept)
                {
                    if (selection!.IsEmpty) rowSkips = !_protected && Accumulate(state, 0.0);
                    else
                    {
                        using var idx = selection.Indices!.device == kept.device ? selection.Indices.alias() : selection.Indices.to(kept.device);
                        var q = kept.index_select(1, idx); // [1, n, C]
                        if (!_protected) rowSkips = Accumulate(state, pr, q);
                        kept.index_copy_(1, idx, pr.to(kept.dtype));
                    }
                }
                skip &= rowSkips;
            }
            _probeBytes = Math.Max(_probeBytes, _rows.Values.Sum(s => Owned.Bytes(s.Probe)));
        }
        return skip;
    }

    private bool Accumulate(RowState state, Tensor current, Tensor previous)
    {
        double denom = Owned.MeanAbs(previous);
        double rel = denom > 0 ? Owned.MeanAbsDiff(current, previous) / denom : double.PositiveInfinity;
        return Accumulate(state, rel);
    }

    private bool Accumulate(RowState state, double rel)
    {
        state.Accumulated += _options.Cache.Rescale(rel);
        return state.Accumulated < _options.Cache.RelL1Thresh;
    }

    private void Computed(GuidanceBranch[] rows)
    {
        foreach (var row in rows)
            if (_rows.TryGetValue(row, out var s)) s.Accumulated = 0;
        _totalComputedForwards++;
    }

    private void Skipped(GuidanceBranch[] rows, int selected)
    {
        _skippedForwards++;
        _skippedTokens += (long)selected * rows.Length;
        _totalSkippedForwards++;
    }

    private sealed class ComboHooks(JanoTeaCacheSession session, JanoHooks inner, GuidanceBranch[] rows) : ITransformerHooks
    {
        private TokenSelection? _selection;
        private bool _skipped;

        public TokenSelection SelectTokens(int tokenCount) => _selection = inner.SelectTokens(tokenCount);

        public Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks)
        {
            if (session.Decide(rows, _selection, probe))
            {
                _skipped = true;
                session.Skipped(rows, _selection?.Count ?? (int)x.shape[1]);
                return x; // the head's output is replaced by the buffered full output in ComposeOutput
            }
            var output = inner.RunBlockStack(x, probe, runBlocks);
            session.Computed(rows);
            return output;
        }

        public Tensor RunBlock(int layer, Tensor x, Func<Tensor, Tensor> runBlock) => inner.RunBlock(layer, x, runBlock);

        public Tensor RunAttention(int layer, AttentionKind kind, Tensor input, Func<Tensor, Tensor> compute) =>
            inner.RunAttention(layer, kind, input, compute);

        public (Tensor Input, Tensor Positions)? ExtraKeyValueInput(int layer, Tensor x) => inner.ExtraKeyValueInput(layer, x);

        public (Tensor K, Tensor V) ExtendKeyValues(int layer, Tensor k, Tensor v) => inner.ExtendKeyValues(layer, k, v);

        public Tensor ComposeOutput(Tensor output, TokenSelection selection) =>
            _skipped ? session._jano.Outputs.Current(JanoHooks.RowsKey(rows)) : inner.ComposeOutput(output, selection);
    }
}
