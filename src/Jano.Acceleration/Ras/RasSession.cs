using Jano.Acceleration.Common;
using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.Ras;

/// <summary>
/// One RAS generation. Dense steps compute every token and store, per guidance branch, every layer's post-RoPE K/V
/// [1, N, H, D] and the model output [1, N, P]. After each step whose successor is a RAS step, the metric of every token
/// is taken from the guided update (σ_next − σ)·v: the standard deviation over latent channels, averaged over the
/// token's patch (with one channel, the standard deviation over the patch's values), times exp(scale · drop count).
/// The next step computes the other tokens (one selection for all rows, as the authors): fresh K/V are written into
/// the branch's cache at their positions and attention sees the whole cache; skipped rows of the output come from the
/// branch's output buffer. Caches are per branch row.
/// </summary>
public sealed class RasSession : IAcceleratorSession
{
    private readonly RasOptions _options;
    private readonly TransformerDescriptor _model;
    private readonly GenerationPlan _plan;
    private readonly Dictionary<(GuidanceBranch Row, int Layer), (Tensor K, Tensor V)> _kv = new();
    private readonly Dictionary<GuidanceBranch, Tensor> _outputs = new();
    private readonly double[] _dropCount;
    private TokenSelection? _next;
    private TokenSelection? _current;
    private bool _storeDense;
    private long _tokens;
    private long _peakBytes;

    public RasSession(RasOptions options, TransformerDescriptor model, GenerationPlan plan)
    {
        options.CheckRanges();
        _options = options;
        _model = model;
        _plan = plan;
        _dropCount = Enumerable.Repeat(-(double)(plan.Steps + 1), model.TokenCount).ToArray();
    }

    /// <summary>Times each token was skipped so far.</summary>
    public int[] Drops => _dropCount.Select(d => (int)(d + _plan.Steps + 1)).ToArray();

    public void BeginStep(StepInfo step)
    {
        _tokens = 0;
        _current?.Dispose();
        _current = null;
        if (_options.IsRasStep(step.Index) && _next is not null && _outputs.Count > 0)
        {
            _current = _next;
            _next = null;
        }
        // a dense step fills the caches only when a RAS step still follows
        _storeDense = _current is null && Enumerable.Range(step.Index + 1, Math.Max(0, _plan.Steps - step.Index - 1)).Any(_options.IsRasStep);
    }

    public ITransformerHooks Hooks(IReadOnlyList<GuidanceBranch> rows)
    {
        _tokens += (long)rows.Count * (_current?.Count ?? _model.TokenCount);
        return new RegionHooks(this, rows.ToArray());
    }

    public StepSummary EndStep(StepInfo step, Tensor guidedOutput)
    {
        var summary = new StepSummary(_current is null ? "full" : "ras", _tokens);
        _next?.Dispose();
        _next = null;
        if (step.Index + 1 < _plan.Steps && _options.IsRasStep(step.Index + 1)) _next = Select(step, guidedOutput);
        return summary;
    }

    public AcceleratorReport Report() => new()
    {
        Method = "ras",
        CacheBytes = _peakBytes,
        Notes = [$"tokens skipped at least once: {Drops.Count(d => d > 0)} of {_model.TokenCount}"],
    };

    public void Dispose()
    {
        foreach (var (k, v) in _kv.Values)
        {
            k.Dispose();
            v.Dispose();
        }
        _kv.Clear();
        foreach (var t in _outputs.Values) t.Dispose();
        _outputs.Clear();
        _next?.Dispose();
        _next = null;
        _current?.Dispose();
        _current = null;
    }

    // The tokens the next step computes, from this step's guided update; updates the drop counts.
    private TokenSelection Select(StepInfo step, Tensor velocity)
    {
        using var scope = NewDisposeScope();
        var (pt, ph, pw) = _model.Patch;
        var grid = _model.TokenGrid;
        var diff = velocity.to(ScalarType.Float32).mul(step.SigmaNext - step.Sigma);                 // [C, T, H, W]
        long c = diff.shape[0];
        var patches = diff.view(c, grid.T, pt, grid.H, ph, grid.W, pw).permute(1, 3, 5, 0, 2, 4, 6); // [f, h, w, C, pt, ph, pw]
        Tensor metric;
        if (c > 1) metric = patches.std(3).mean([3, 4, 5]);                                           // [f, h, w]
        else metric = patches.reshape(grid.T, grid.H, grid.W, -1).std(3);                           // [f, h, w]
        var m = metric.reshape(-1).to(ScalarType.Float64).cpu().data<double>().ToArray();            // [N]
        int n = m.Length;
        for (int i = 0; i < n; i++) m[i] *= Math.Exp(_options.StarvationScale * _dropCount[i]);
        int skip = _options.SkipCount(n);
        var order = Enumerable.Range(0, n).OrderBy(i => m[i]).ThenBy(i => i).ToArray();              // ascending
        int high = (int)(skip * _options.HighRatio);
        int low = skip - high;
        var skipped = order.Take(low).Concat(order.Skip(n - high)).ToHashSet();
        foreach (var i in skipped) _dropCount[i] += 1;
        var keep = Enumerable.Range(0, n).Where(i => !skipped.Contains(i)).Select(i => (long)i).ToArray();
        using var idx = torch.tensor(keep, dtype: ScalarType.Int64, device: velocity.device);
        return TokenSelection.Subset(n, idx);
    }

    private TokenSelection SelectTokens(int tokenCount)
    {
        if (_current is not null && _current.Total != tokenCount)
            throw new InvalidOperationException($"model has {tokenCount} tokens but the RAS selection has {_current.Total}");
        return _current ?? TokenSelection.All(tokenCount);
    }

    // Text rows of a joint-attention model (kv.TextTokens, first) are always computed: dense steps cache them with the
    // latent rows, RAS steps write them in place like the fresh latent rows.
    private KeyValues ExtendKeyValues(GuidanceBranch[] rows, int layer, KeyValues kv)
    {
        var (k, v, text) = kv;
        if (_current is null)
        {
            if (!_storeDense) return kv;
            for (int r = 0; r < rows.Length; r++)
            {
                var nk = Owned.Copy(Owned.Row(k, r)); // [1, t + N, H, D]
                var nv = Owned.Copy(Owned.Row(v, r));
                if (_kv.Remove((rows[r], layer), out var old))
                {
                    old.K.Dispose();
                    old.V.Dispose();
                }
                _kv[(rows[r], layer)] = (nk, nv);
            }
            Track();
            return kv;
        }
        using var scope = NewDisposeScope();
        var index = text == 0
            ? _current.Indices!.alias()
            : torch.cat([torch.arange(text, dtype: ScalarType.Int64, device: k.device), _current.Indices!.to(k.device).add(text)], 0); // [t + n]
        var keys = new Tensor[rows.Length];
        var values = new Tensor[rows.Length];
        for (int r = 0; r < rows.Length; r++)
        {
            if (!_kv.TryGetValue((rows[r], layer), out var cached))
                throw new InvalidOperationException($"no RAS K/V cached for row {rows[r]} layer {layer}: a dense step must come first");
            cached.K.index_copy_(1, index, Owned.Row(k, r).to(cached.K.dtype)); // fresh rows in place, [1, t + N, H, D]
            cached.V.index_copy_(1, index, Owned.Row(v, r).to(cached.V.dtype));
            keys[r] = cached.K;
            values[r] = cached.V;
        }
        return new KeyValues(torch.cat(keys, 0).to(k.dtype).MoveToOuterDisposeScope(), torch.cat(values, 0).to(v.dtype).MoveToOuterDisposeScope(), text); // [B, t + N, H, D]
    }

    private Tensor ComposeOutput(GuidanceBranch[] rows, Tensor output, TokenSelection selection)
    {
        if (_current is null)
        {
            if (!_storeDense) return output;
            for (int r = 0; r < rows.Length; r++)
            {
                var copy = Owned.Copy(Owned.Row(output, r)); // [1, N, P]
                if (_outputs.Remove(rows[r], out var old)) old.Dispose();
                _outputs[rows[r]] = copy;
            }
            Track();
            return output;
        }
        var parts = new Tensor[rows.Length];
        for (int r = 0; r < rows.Length; r++)
        {
            var buffer = _outputs[rows[r]];
            if (selection.Indices is { } idx && idx.shape[0] > 0) buffer.index_copy_(1, idx, Owned.Row(output, r).to(buffer.dtype));
            parts[r] = buffer;
        }
        return torch.cat(parts, 0).to(output.dtype); // [B, N, P]
    }

    private void Track() =>
        _peakBytes = Math.Max(_peakBytes, _kv.Values.Sum(e => Owned.Bytes(e.K) + Owned.Bytes(e.V)) + _outputs.Values.Sum(t => Owned.Bytes(t)));

    private sealed class RegionHooks(RasSession session, GuidanceBranch[] rows) : TransformerHooks
    {
        public override TokenSelection SelectTokens(int tokenCount) => session.SelectTokens(tokenCount);

        public override KeyValues ExtendKeyValues(int layer, KeyValues kv) => session.ExtendKeyValues(rows, layer, kv);

        public override Tensor ComposeOutput(Tensor output, TokenSelection selection) => session.ComposeOutput(rows, output, selection);
    }
}
