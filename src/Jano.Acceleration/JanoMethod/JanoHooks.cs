using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.JanoMethod;

/// <summary>
/// Jano's seam for one forward at one step level (spec §3): level 0 computes everything and touches no cache;
/// level 3 computes everything and refreshes the static and medium K/V caches and the output buffer; level 2
/// computes non-static tokens, refreshes the medium cache and appends cached static K/V; level 1 computes active
/// tokens and appends cached medium and static K/V. Keys/values are concatenated [text, current, medium, static]: the
/// text rows of a joint-attention model stay first and are never cached. State is per guidance branch: the forward's
/// batch rows are <c>rows</c>. In <see cref="JanoCacheMode.Hidden"/> mode the caches hold the attention inputs of frozen
/// tokens instead, handed to the model as extra K/V input rows (same order, with their positions for RoPE), and K/V are
/// left as the model computed them.
/// </summary>
public sealed class JanoHooks : TransformerHooks
{
    private readonly TokenPartition? _partition;
    private readonly FrozenKvCache _cache;
    private readonly OutputBuffer _outputs;
    private readonly GuidanceBranch[] _rows;
    private readonly JanoCacheMode _mode;

    public JanoHooks(int stepLevel, TokenPartition? partition, FrozenKvCache cache, OutputBuffer outputs, IReadOnlyList<GuidanceBranch> rows,
        JanoCacheMode mode = JanoCacheMode.Kv)
    {
        if (stepLevel is < 0 or > 3) throw new ArgumentOutOfRangeException(nameof(stepLevel), "step level must be 0..3");
        if (stepLevel > 0 && partition is null) throw new ArgumentException("step levels 1..3 need a token partition");
        StepLevel = stepLevel;
        _partition = partition;
        _cache = cache;
        _outputs = outputs;
        _rows = rows.ToArray();
        _mode = mode;
    }

    public int StepLevel { get; }

    /// <summary>Tokens the last <see cref="SelectTokens"/> chose (per row).</summary>
    public int LastSelected { get; private set; }

    public override TokenSelection SelectTokens(int tokenCount)
    {
        if (_partition is not null && _partition.Total != tokenCount)
            throw new InvalidOperationException($"model has {tokenCount} tokens but the Jano mask has {_partition.Total}");
        var selection = StepLevel == 0 || _partition is null ? null : _partition.ForStepLevel(StepLevel);
        LastSelected = selection?.Count ?? tokenCount;
        return selection ?? TokenSelection.All(tokenCount);
    }

    public override (Tensor Input, Tensor Positions)? ExtraKeyValueInput(int layer, Tensor x)
    {
        if (_mode != JanoCacheMode.Hidden) return null;
        var p = _partition;
        switch (StepLevel)
        {
            case 3:
                _cache.Store(_rows, layer, [x], p!.FrozenIndex);
                return null;
            case 2:
            {
                _cache.UpdateMedium(_rows, layer, [x.index_select(1, p!.MediumInNonStatic)]);                  // [B, m, C]
                var frozen = _cache.Frozen(_rows, layer)[0];                                                  // [B, m + s, C]
                return (FrozenKvCache.Fetch(frozen.narrow(1, p.MediumCount, p.StaticCount), x), p.StaticIndex); // [B, s, C]
            }
            case 1:
                return (FrozenKvCache.Fetch(_cache.Frozen(_rows, layer)[0], x), p!.FrozenIndex);               // [B, m + s, C]
            default:
                return null;
        }
    }

    public override KeyValues ExtendKeyValues(int layer, KeyValues kv)
    {
        if (_mode == JanoCacheMode.Hidden || StepLevel == 0) return kv;
        var p = _partition!;
        var (k, v, text) = kv;
        switch (StepLevel)
        {
            case 3:
            {
                var (ik, iv) = Latent(kv);                                                                     // [B, N, H, D]
                _cache.Store(_rows, layer, [ik, iv], p.FrozenIndex);
                return kv;
            }
            case 2:
            {
                var (ik, iv) = Latent(kv);                                                                     // [B, n, H, D]
                _cache.UpdateMedium(_rows, layer, [ik.index_select(1, p.MediumInNonStatic), iv.index_select(1, p.MediumInNonStatic)]);
                var frozen = _cache.Frozen(_rows, layer);                                                      // [B, m + s, H, D] each
                var sk = FrozenKvCache.Fetch(frozen[0].narrow(1, p.MediumCount, p.StaticCount), k);
                var sv = FrozenKvCache.Fetch(frozen[1].narrow(1, p.MediumCount, p.StaticCount), v);
                return new KeyValues(torch.cat([k, sk], 1), torch.cat([v, sv], 1), text);                    // [B, t + n + s, H, D]
            }
            default:
            {
                var frozen = _cache.Frozen(_rows, layer);                                                      // [B, m + s, H, D] each
                return new KeyValues(torch.cat([k, FrozenKvCache.Fetch(frozen[0], k)], 1),
                    torch.cat([v, FrozenKvCache.Fetch(frozen[1], v)], 1), text);                               // [B, t + N, H, D]
            }
        }
    }

    public override Tensor ComposeOutput(Tensor output, TokenSelection selection)
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

    // The latent rows of K/V (the text rows of a joint-attention model come first): [B, n, H, D] each.
    private static (Tensor K, Tensor V) Latent(KeyValues kv) =>
        kv.TextTokens == 0 ? (kv.K, kv.V) : (kv.K.narrow(1, kv.TextTokens, kv.ImageRows), kv.V.narrow(1, kv.TextTokens, kv.ImageRows));
}
