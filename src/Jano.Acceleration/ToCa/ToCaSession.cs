using Jano.Acceleration.Common;
using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.ToCa;

/// <summary>
/// One ToCa generation on the attention seam. Per guidance branch and layer it keeps the self-attention output
/// [1, n, C], the cross-attention output [1, n, C] and each token's cache age [1, n] (steps since it was computed).
/// Partial cross-attention steps gather the top-K tokens of each row (rows pick their own tokens), run the
/// cross-attention on them only (it is per-token: queries from the token, keys from the condition) and scatter the
/// result into the cached output. Deviation, documented: the MLP has no seam in this project, so it is always
/// computed (the authors' Wan wrapper also caches it token-wise).
/// </summary>
public sealed class ToCaSession : IAcceleratorSession
{
    private readonly ToCaOptions _options;
    private readonly TransformerDescriptor _model;
    private readonly Dictionary<(GuidanceBranch Row, int Layer, AttentionKind Kind), Tensor> _outputs = new();
    private readonly Dictionary<(GuidanceBranch Row, int Layer), Tensor> _ages = new();
    private StepInfo? _step;
    private long _tokens;
    private bool _partial;
    private long _peakBytes;

    public ToCaSession(ToCaOptions options, TransformerDescriptor model)
    {
        options.CheckRanges();
        _options = options;
        _model = model;
    }

    /// <summary>Cross-attention tokens recomputed on partial steps so far (all rows and layers).</summary>
    public long PartialTokens { get; private set; }

    public void BeginStep(StepInfo step)
    {
        _step = step;
        _tokens = 0;
        _partial = !_options.IsOff && !_options.IsFresh(step.Index, cross: false);
    }

    public ITransformerHooks Hooks(IReadOnlyList<GuidanceBranch> rows)
    {
        _tokens += (long)rows.Count * _model.TokenCount;
        return new AttentionHooks(this, rows.ToArray());
    }

    public StepSummary EndStep(StepInfo step, Tensor guidedOutput) => new(_partial ? "cached" : "full", _tokens);

    public AcceleratorReport Report() => new()
    {
        Method = "toca",
        CacheBytes = _peakBytes,
        Notes = [$"{PartialTokens} cross-attention token rows recomputed on partial steps; MLP always computed (no MLP seam)"],
    };

    public void Dispose()
    {
        foreach (var t in _outputs.Values) t.Dispose();
        _outputs.Clear();
        foreach (var t in _ages.Values) t.Dispose();
        _ages.Clear();
    }

    private bool Cached(GuidanceBranch[] rows, int layer, AttentionKind kind, long n) =>
        rows.All(r => _outputs.TryGetValue((r, layer, kind), out var t) && t.shape[1] == n);

    private Tensor Stack(GuidanceBranch[] rows, int layer, AttentionKind kind) =>
        rows.Length == 1 ? _outputs[(rows[0], layer, kind)].alias() : torch.cat(rows.Select(r => _outputs[(r, layer, kind)]).ToArray(), 0); // [B, n, C]

    private void Keep(GuidanceBranch[] rows, int layer, AttentionKind kind, Tensor output)
    {
        for (int r = 0; r < rows.Length; r++)
        {
            var copy = Owned.Copy(Owned.Row(output, r)); // [1, n, C]
            if (_outputs.Remove((rows[r], layer, kind), out var old)) old.Dispose();
            _outputs[(rows[r], layer, kind)] = copy;
        }
    }

    private void SetAge(GuidanceBranch row, int layer, Tensor age)
    {
        var copy = Owned.Copy(age);
        if (_ages.Remove((row, layer), out var old)) old.Dispose();
        _ages[(row, layer)] = copy;
    }

    private TokenStreams RunAttention(GuidanceBranch[] rows, int layer, AttentionKind kind, TokenStreams streams, Func<TokenStreams, TokenStreams> computeStreams)
    {
        if (_options.IsOff || kind == AttentionKind.Joint) return computeStreams(streams);
        return new TokenStreams(RunAttention(rows, layer, kind, streams.Image, x => computeStreams(new TokenStreams(x)).Image));
    }

    private Tensor RunAttention(GuidanceBranch[] rows, int layer, AttentionKind kind, Tensor input, Func<Tensor, Tensor> compute)
    {
        var step = _step ?? throw new InvalidOperationException("BeginStep must come before a forward");
        long b = input.shape[0], n = input.shape[1], c = input.shape[2];
        bool cross = kind == AttentionKind.Cross;
        bool fresh = _options.IsFresh(step.Index, cross) || !Cached(rows, layer, kind, n);
        if (fresh)
        {
            var output = compute(input); // [B, n, C]
            Keep(rows, layer, kind, output);
            if (cross)
                foreach (var row in rows)
                    using (var zero = torch.zeros([1, n], dtype: ScalarType.Float32, device: input.device)) SetAge(row, layer, zero);
            Track();
            return output;
        }
        if (!cross) return Stack(rows, layer, kind); // self-attention: whole output from the cache

        using var scope = NewDisposeScope();
        int k = _options.FreshCount(n);
        var picks = new Tensor[rows.Length];
        for (int r = 0; r < rows.Length; r++)
        {
            var cached = _outputs[(rows[r], layer, kind)].to(ScalarType.Float32);  // [1, n, C]
            var norms = cached.square().sum(-1).sqrt();                                       // [1, n]
            var normalised = norms.div(norms.norm().clamp_min(1e-12));
            var age = _ages[(rows[r], layer)];                                     // [1, n]
            var score = normalised.add(age.mul(_options.AgeWeight / _options.FreshThreshold));
            picks[r] = score.topk(k, dim: 1).indexes;                             // [1, K]
            var nextAge = age.add(1).scatter(1, picks[r], torch.zeros([1, k], dtype: ScalarType.Float32, device: age.device));
            SetAge(rows[r], layer, nextAge);
        }
        var index = picks.Length == 1 ? picks[0] : torch.cat(picks, 0);            // [B, K]
        var expanded = index.unsqueeze(-1).expand(b, k, c);                       // [B, K, C]
        var fresh_ = compute(input.gather(1, expanded));                          // [B, K, C]
        var merged = Stack(rows, layer, kind).scatter(1, expanded, fresh_.to(input.dtype)); // [B, n, C]
        Keep(rows, layer, kind, merged);
        PartialTokens += b * k;
        Track();
        return merged.MoveToOuterDisposeScope();
    }

    private void Track() =>
        _peakBytes = Math.Max(_peakBytes, _outputs.Values.Sum(t => Owned.Bytes(t)) + _ages.Values.Sum(t => Owned.Bytes(t)));

    private sealed class AttentionHooks(ToCaSession session, GuidanceBranch[] rows) : TransformerHooks
    {
        public override TokenStreams RunAttention(int layer, AttentionKind kind, TokenStreams input, Func<TokenStreams, TokenStreams> compute) =>
            session.RunAttention(rows, layer, kind, input, compute);
    }
}
