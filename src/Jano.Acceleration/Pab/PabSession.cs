using Jano.Acceleration.Common;
using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.Pab;

/// <summary>
/// One PAB generation: per guidance branch, layer and attention kind, the last computed attention output [1, n, C].
/// The schedule depends on the step only, so batched rows always agree; a row without a cached output computes
/// (then all rows compute).
/// </summary>
public sealed class PabSession : IAcceleratorSession
{
    private readonly PabOptions _options;
    private readonly TransformerDescriptor _model;
    private readonly GenerationPlan _plan;
    private readonly Dictionary<(GuidanceBranch Row, int Layer, AttentionKind Kind), Tensor> _cache = new();
    private StepInfo? _step;
    private long _tokens;
    private int _reused;
    private int _reusedTotal;
    private long _peakBytes;

    public PabSession(PabOptions options, TransformerDescriptor model, GenerationPlan plan)
    {
        options.CheckRanges();
        _options = options;
        _model = model;
        _plan = plan;
    }

    /// <summary>Attention calls answered from the cache so far (per row).</summary>
    public int ReusedAttentions => _reusedTotal;

    public void BeginStep(StepInfo step)
    {
        _step = step;
        _tokens = 0;
        _reused = 0;
    }

    public ITransformerHooks Hooks(IReadOnlyList<GuidanceBranch> rows)
    {
        _tokens += (long)rows.Count * _model.TokenCount;
        return new AttentionHooks(this, rows.ToArray());
    }

    public StepSummary EndStep(StepInfo step, Tensor guidedOutput) => new(_reused == 0 ? "full" : "broadcast", _tokens);

    public AcceleratorReport Report() => new()
    {
        Method = "pab",
        CacheBytes = _peakBytes,
        Notes = [$"{_reusedTotal} attention outputs broadcast (per branch row)"],
    };

    public void Dispose()
    {
        foreach (var t in _cache.Values) t.Dispose();
        _cache.Clear();
    }

    private Tensor RunAttention(GuidanceBranch[] rows, int layer, AttentionKind kind, Tensor input, Func<Tensor, Tensor> compute)
    {
        if (_options.IsOff) return compute(input);
        var step = _step ?? throw new InvalidOperationException("BeginStep must come before a forward");
        long n = input.shape[1];
        bool reuse = !_options.Computes(step.Index, _plan.Steps, layer, kind != AttentionKind.Cross)
                     && rows.All(r => _cache.TryGetValue((r, layer, kind), out var t) && t.shape[1] == n);
        if (reuse)
        {
            _reused += rows.Length;
            _reusedTotal += rows.Length;
            return rows.Length == 1 ? _cache[(rows[0], layer, kind)].alias() : torch.cat(rows.Select(r => _cache[(r, layer, kind)]).ToArray(), 0); // [B, n, C]
        }
        var output = compute(input); // [B, n, C]
        if (_options.LayerInterval > 0 && layer % _options.LayerInterval == 0)
        {
            for (int r = 0; r < rows.Length; r++)
            {
                var copy = Owned.Copy(Owned.Row(output, r)); // [1, n, C]
                if (_cache.Remove((rows[r], layer, kind), out var old)) old.Dispose();
                _cache[(rows[r], layer, kind)] = copy;
            }
            _peakBytes = Math.Max(_peakBytes, _cache.Values.Sum(t => Owned.Bytes(t)));
        }
        return output;
    }

    private sealed class AttentionHooks(PabSession session, GuidanceBranch[] rows) : ITransformerHooks
    {
        public TokenSelection SelectTokens(int tokenCount) => TokenSelection.All(tokenCount);

        public Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks) => runBlocks(x);

        public Tensor RunBlock(int layer, Tensor x, Func<Tensor, Tensor> runBlock) => runBlock(x);

        public Tensor RunAttention(int layer, AttentionKind kind, Tensor input, Func<Tensor, Tensor> compute) =>
            session.RunAttention(rows, layer, kind, input, compute);

        public (Tensor Input, Tensor Positions)? ExtraKeyValueInput(int layer, Tensor x) => null;

        public (Tensor K, Tensor V) ExtendKeyValues(int layer, Tensor k, Tensor v) => (k, v);

        public Tensor ComposeOutput(Tensor output, TokenSelection selection) => output;
    }
}
