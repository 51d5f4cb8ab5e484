using Jano.Acceleration.Common;
using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Acceleration.ToCa;

/// <summary>
/// One ToCa generation on the attention and MLP seam points. Per guidance branch, layer and module it keeps the last
/// output [1, n, C] of the latent tokens (joint attention: also of the text tokens, [1, t, C]) and, for the token-wise
/// modules, each token's cache age [1, n] (steps since it was computed). On a step that is not fresh for the module,
/// self- and joint attention return their cached outputs wholesale; cross-attention and the MLP gather the top-K
/// latent tokens of each row (rows pick their own tokens), compute only those (both are per token: a cross-attention
/// query sees the condition, an MLP row sees itself; text rows of a joint-attention model's MLP are always computed)
/// and scatter the result into the cached output, as the authors' Wan wrapper does for cross-attention and FFN.
/// </summary>
public sealed class ToCaSession : IAcceleratorSession
{
    private enum Module
    {
        Self,
        Cross,
        Joint,
        Mlp,
    }

    private readonly ToCaOptions _options;
    private readonly TransformerDescriptor _model;
    private readonly Dictionary<(GuidanceBranch Row, int Layer, Module Module), (Tensor Image, Tensor? Text)> _outputs = new();
    private readonly Dictionary<(GuidanceBranch Row, int Layer, Module Module), Tensor> _ages = new();
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

    /// <summary>MLP tokens recomputed on partial steps so far (all rows and layers).</summary>
    public long PartialMlpTokens { get; private set; }

    public void BeginStep(StepInfo step)
    {
        _step = step;
        _tokens = 0;
        _partial = !_options.IsOff && !_options.IsFresh(step.Index, cross: false);
    }

    public ITransformerHooks Hooks(IReadOnlyList<GuidanceBranch> rows)
    {
        _tokens += (long)rows.Count * _model.TokenCount;
        return new ModuleHooks(this, rows.ToArray());
    }

    public StepSummary EndStep(StepInfo step, Tensor guidedOutput) => new(_partial ? "cached" : "full", _tokens);

    public AcceleratorReport Report() => new()
    {
        Method = "toca",
        CacheBytes = _peakBytes,
        Notes = [$"token rows recomputed on partial steps: {PartialTokens} cross-attention, {PartialMlpTokens} MLP"],
    };

    public void Dispose()
    {
        foreach (var (image, text) in _outputs.Values)
        {
            image.Dispose();
            text?.Dispose();
        }
        _outputs.Clear();
        foreach (var t in _ages.Values) t.Dispose();
        _ages.Clear();
    }

    private TokenStreams RunAttention(GuidanceBranch[] rows, int layer, AttentionKind kind, TokenStreams input, Func<TokenStreams, TokenStreams> compute)
    {
        var module = kind switch { AttentionKind.Self => Module.Self, AttentionKind.Cross => Module.Cross, _ => Module.Joint };
        return Run(rows, layer, module, input, compute, cross: module == Module.Cross, tokenWise: module == Module.Cross);
    }

    private TokenStreams RunMlp(GuidanceBranch[] rows, int layer, TokenStreams input, Func<TokenStreams, TokenStreams> compute) =>
        Run(rows, layer, Module.Mlp, input, compute, cross: false, tokenWise: true);

    // A fresh step computes and caches the module's output; a partial step reuses it wholesale or, for a token-wise module,
    // recomputes the top-K latent tokens of each row into it.
    private TokenStreams Run(GuidanceBranch[] rows, int layer, Module module, TokenStreams input, Func<TokenStreams, TokenStreams> compute,
        bool cross, bool tokenWise)
    {
        if (_options.IsOff) return compute(input);
        var step = _step ?? throw new InvalidOperationException("BeginStep must come before a forward");
        long n = input.Image.shape[1];
        bool fresh = _options.IsFresh(step.Index, cross) || !Cached(rows, layer, module, n);
        if (fresh)
        {
            var output = compute(input); // [B, n, C] (+ text [B, t, C])
            Keep(rows, layer, module, output.Image, output.Text);
            if (tokenWise)
                foreach (var row in rows)
                    using (var zero = torch.zeros([1, n], dtype: ScalarType.Float32, device: input.Image.device)) SetAge(row, layer, module, zero);
            Track();
            return output;
        }
        if (!tokenWise) // self-/joint attention: the whole output from the cache
        {
            var image = Stack(rows.Select(r => _outputs[(r, layer, module)].Image));                             // [B, n, C]
            var text = input.Text is null ? null : Stack(rows.Select(r => _outputs[(r, layer, module)].Text!));  // [B, t, C]
            return new TokenStreams(image, text);
        }

        using var scope = NewDisposeScope();
        long c = input.Image.shape[2];
        int k = module == Module.Mlp ? _options.MlpFreshCount(n) : _options.FreshCount(n);
        var picks = new Tensor[rows.Length];
        for (int r = 0; r < rows.Length; r++)
        {
            var cached = _outputs[(rows[r], layer, module)].Image.to(ScalarType.Float32);   // [1, n, C]
            var norms = cached.square().sum(-1).sqrt();                                      // [1, n]
            using var tiny = 1e-12.ToScalar(); // explicit: an implicit Scalar may be finalized mid-call (TorchSharp 0.107)
            using var one = 1.0f.ToScalar();
            var normalised = norms.div(norms.norm().clamp_min(tiny));
            var age = _ages[(rows[r], layer, module)];                                       // [1, n]
            var score = normalised.Plus(age.mul(_options.AgeWeight / _options.FreshThreshold));
            picks[r] = score.topk(k, dim: 1).indexes;                                        // [1, K]
            var nextAge = age.add(one).scatter(1, picks[r], torch.zeros([1, k], dtype: ScalarType.Float32, device: age.device));
            SetAge(rows[r], layer, module, nextAge);
        }
        var index = picks.Length == 1 ? picks[0] : torch.cat(picks, 0);                      // [B, K]
        var expanded = index.unsqueeze(-1).expand(input.Image.shape[0], k, c);             // [B, K, C]
        var result = compute(new TokenStreams(input.Image.gather(1, expanded), input.Text)); // [B, K, C] (+ text [B, t, C])
        var merged = Stack(rows.Select(r => _outputs[(r, layer, module)].Image)).scatter(1, expanded, result.Image.to(input.Image.dtype)); // [B, n, C]
        Keep(rows, layer, module, merged, null);
        if (module == Module.Mlp) PartialMlpTokens += input.Image.shape[0] * k;
        else PartialTokens += input.Image.shape[0] * k;
        Track();
        return new TokenStreams(merged.MoveToOuterDisposeScope(), result.Text?.MoveToOuterDisposeScope());
    }

    private bool Cached(GuidanceBranch[] rows, int layer, Module module, long n) =>
        rows.All(r => _outputs.TryGetValue((r, layer, module), out var t) && t.Image.shape[1] == n);

    // Rows [1, ·, C] of the branches, batched [B, ·, C] (a new handle).
    private static Tensor Stack(IEnumerable<Tensor> rows)
    {
        var list = rows.ToArray();
        return list.Length == 1 ? list[0].alias() : torch.cat(list, 0);
    }

    private void Keep(GuidanceBranch[] rows, int layer, Module module, Tensor image, Tensor? text)
    {
        for (int r = 0; r < rows.Length; r++)
        {
            var copy = Owned.Copy(Owned.Row(image, r));                                   // [1, n, C]
            var textCopy = text is null ? null : Owned.Copy(Owned.Row(text, r));            // [1, t, C]
            if (_outputs.Remove((rows[r], layer, module), out var old))
            {
                old.Image.Dispose();
                old.Text?.Dispose();
            }
            _outputs[(rows[r], layer, module)] = (copy, textCopy);
        }
    }

    private void SetAge(GuidanceBranch row, int layer, Module module, Tensor age)
    {
        var copy = Owned.Copy(age);
        if (_ages.Remove((row, layer, module), out var old)) old.Dispose();
        _ages[(row, layer, module)] = copy;
    }

    private void Track() =>
        _peakBytes = Math.Max(_peakBytes, _outputs.Values.Sum(t => Owned.Bytes(t.Image) + Owned.Bytes(t.Text)) + _ages.Values.Sum(t => Owned.Bytes(t)));

    private sealed class ModuleHooks(ToCaSession session, GuidanceBranch[] rows) : TransformerHooks
    {
        public override TokenStreams RunAttention(int layer, AttentionKind kind, TokenStreams input, Func<TokenStreams, TokenStreams> compute) =>
            session.RunAttention(rows, layer, kind, input, compute);

        public override TokenStreams RunMlp(int layer, TokenStreams input, Func<TokenStreams, TokenStreams> compute) =>
            session.RunMlp(rows, layer, input, compute);
    }
}
