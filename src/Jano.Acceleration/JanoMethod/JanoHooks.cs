using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.JanoMethod;

/// <summary>
/// Jano's seam for one forward at one step level (spec §3): level 0 computes everything and touches no cache;
/// level 3 computes everything and refreshes the static and medium K/V caches and the output buffer; level 2
/// computes non-static tokens, refreshes the medium cache and appends cached static K/V; level 1 computes active
/// tokens and appends cached medium and static K/V. Keys/values are concatenated [current, medium, static].
/// In <see cref="JanoCacheMode.Hidden"/> mode the caches hold the self-attention inputs of frozen tokens instead, handed to
/// the model as extra K/V input rows (same order, with their positions for RoPE), and K/V are left as the model computed them.
/// </summary>
public sealed class JanoHooks : ITransformerHooks
{
    private readonly TokenPartition? _partition;
    private readonly FrozenKvCache _cache;
    private readonly OutputBuffer _outputs;
    private readonly string _rows;
    private readonly JanoCacheMode _mode;

    public JanoHooks(int stepLevel, TokenPartition? partition, FrozenKvCache cache, OutputBuffer outputs, string rows,
        JanoCacheMode mode = JanoCacheMode.Kv)
    {
        if (stepLevel is < 0 or > 3) throw new ArgumentOutOfRangeException(nameof(stepLevel), "step level must be 0..3");
        if (stepLevel > 0 && partition is null) throw new ArgumentException("step levels 1..3 need a token partition");
        StepLevel = stepLevel;
        _partition = partition;
        _cache = cache;
        _outputs = outputs;
        _rows = rows;
        _mode = mode;
    }

    public int StepLevel { get; }

    /// <summary>Tokens the last <see cref="SelectTokens"/> chose (per row).</summary>
    public int LastSelected { get; private set; }

    public TokenSelection SelectTokens(int tokenCount)
    {
        if (_partition is not null && _partition.Total != tokenCount)
            throw new InvalidOperationException($"model has {tokenCount} tokens but the Jano mask has {_partition.Total}");
        var selection = StepLevel == 0 || _partition is null ? null : _partition.ForStepLevel(StepLevel);
        LastSelected = selection?.Count ?? tokenCount;
        return selection ?? TokenSelection.All(tokenCount);
    }

    public Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks) => runBlocks(x);

    public Tensor RunBlock(int layer, Tensor x, Func<Tensor, Tensor> runBlock) => runBlock(x);

    public Tensor RunAttention(int layer, AttentionKind kind, Tensor input, Func<Tensor, Tensor> compute) => compute(input);

    public (Tensor Input, Tensor Positions)? ExtraKeyValueInput(int layer, Tensor x)
    {
        if (_mode != JanoCacheMode.Hidden) return null;
        var p = _partition;
        switch (StepLevel)
        {
            case 3:
                _cache.StoreHidden(_rows, layer, isStatic: true, x, p!.StaticIndex);
                _cache.StoreHidden(_rows, layer, isStatic: false, x, p.MediumIndex);
                return null;
            case 2:
                _cache.StoreHidden(_rows, layer, isStatic: false, x, p!.MediumInNonStatic);
                return (FrozenKvCache.Fetch(_cache.GetHidden(_rows, layer, isStatic: true), x), p.StaticIndex); // [B, s, C]
            case 1:
            {
                var m = FrozenKvCache.Fetch(_cache.GetHidden(_rows, layer, isStatic: false), x);
                var s = FrozenKvCache.Fetch(_cache.GetHidden(_rows, layer, isStatic: true), x);
                return (torch.cat([m, s], 1), p!.FrozenIndex);                                                  // [B, m + s, C]
            }
            default:
                return null;
        }
    }

    public (Tensor K, Tensor V) ExtendKeyValues(int layer, Tensor k, Tensor v)
    {
        if (_mode == JanoCacheMode.Hidden) return (k, v);
        var p = _partition;
        switch (StepLevel)
        {
            case 3:
                _cache.Store(_rows, layer, isStatic: true, k, v, p!.StaticIndex);
                _cache.Store(_rows, layer, isStatic: false, k, v, p.MediumIndex);
                return (k, v);
            case 2:
            {
                _cache.Store(_rows, layer, isStatic: false, k, v, p!.MediumInNonStatic);
                var (sk, sv) = _cache.Get(_rows, layer, isStatic: true);
                return (torch.cat([k, FrozenKvCache.Fetch(sk, k)], 1), torch.cat([v, FrozenKvCache.Fetch(sv, v)], 1)); // [B, n + s, H, D]
            }
            case 1:
            {
                var (mk, mv) = _cache.Get(_rows, layer, isStatic: false);
                var (sk, sv) = _cache.Get(_rows, layer, isStatic: true);
                return (torch.cat([k, FrozenKvCache.Fetch(mk, k), FrozenKvCache.Fetch(sk, k)], 1),
                    torch.cat([v, FrozenKvCache.Fetch(mv, v), FrozenKvCache.Fetch(sv, v)], 1)); // [B, N, H, D]
            }
            default:
                return (k, v);
        }
    }

    public Tensor ComposeOutput(Tensor output, TokenSelection selection)
    {
        switch (StepLevel)
        {
            case 0:
                return output;
            case 3:
                _outputs.Replace(_rows, output);
                return output;
            default:
                return _outputs.Scatter(_rows, output, selection.Indices);
        }
    }

    /// <summary>Key for a batch-row layout, e.g. "Cond,Uncond".</summary>
    public static string RowsKey(IReadOnlyList<GuidanceBranch> rows) => string.Join(",", rows);
}
