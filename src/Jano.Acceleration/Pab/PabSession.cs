using Jano.Acceleration.Common;
using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.Pab;

/// <summary>
/// One PAB generation: per guidance branch, layer and attention kind, the last computed attention output [1, n, C] (and,
/// for joint attention, its text-stream output [1, t, C], reused with it as in the authors' FLUX code). Joint attention
/// follows the self-attention range. The schedule depends on the step only, so batched rows always agree; a row without
/// a cached output computes (then all rows compute).
/// </summary>
public sealed class PabSession : IAcceleratorSession
{
    private readonly PabOptions _options;
    private readonly TransformerDescriptor _model;
    private readonly GenerationPlan _plan;
    private readonly Dictionary<(GuidanceBranch Row, int Layer, AttentionKind Kind), (Tensor Image, Tensor? Text)> _cache = new();
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
        foreach (var (image, text) in _cache.Values)
        {
            image.Dispose();
            text?.Dispose();
        }
        _cache.Clear();
    }

    private TokenStreams RunAttention(GuidanceBranch[] rows, int layer, AttentionKind kind, TokenStreams input, Func<TokenStreams, TokenStreams> compute)
    {
        if (_options.IsOff) return compute(input);
        var step = _step ?? throw new InvalidOperationException("BeginStep must come before a forward");
        long n = input.Image.shape[1];
        bool reuse = !_options.Computes(step.Index, _plan.Steps, layer, kind != AttentionKind.Cross)
                     && rows.All(r => _cache.TryGetValue((r, layer, kind), out var t) && t.Image.shape[1] == n);
        if (reuse)
        {
            _reused += rows.Length;
            _reusedTotal += rows.Length;
            var image = Stack(rows.Select(r => _cache[(r, layer, kind)].Image));                  // [B, n, C]
            var text = input.Text is null ? null : Stack(rows.Select(r => _cache[(r, layer, kind)].Text!)); // [B, t, C]
            return new TokenStreams(image, text);
        }
        var output = compute(input); // [B, n, C] (+ [B, t, C])
        if (_options.LayerInterval > 0 && layer % _options.LayerInterval == 0)
        {
            for (int r = 0; r < rows.Length; r++)
            {
                var image = Owned.Copy(Owned.Row(output.Image, r));                           // [1, n, C]
                var text = output.Text is null ? null : Owned.Copy(Owned.Row(output.Text, r));  // [1, t, C]
                if (_cache.Remove((rows[r], layer, kind), out var old))
                {
                    old.Image.Dispose();
                    old.Text?.Dispose();
                }
                _cache[(rows[r], layer, kind)] = (image, text);
            }
            _peakBytes = Math.Max(_peakBytes, _cache.Values.Sum(t => Owned.Bytes(t.Image) + Owned.Bytes(t.Text)));
        }
        return output;
    }

    // Rows [1, n, C] of the branches, batched [B, n, C] (a new handle).
    private static Tensor Stack(IEnumerable<Tensor> rows)
    {
        var list = rows.ToArray();
        return list.Length == 1 ? list[0].alias() : torch.cat(list, 0);
    }

    private sealed class AttentionHooks(PabSession session, GuidanceBranch[] rows) : TransformerHooks
    {
        public override TokenStreams RunAttention(int layer, AttentionKind kind, TokenStreams input, Func<TokenStreams, TokenStreams> compute) =>
            session.RunAttention(rows, layer, kind, input, compute);
    }
}
