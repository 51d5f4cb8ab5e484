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
                _cache.Store(_rows, layer, isStatic: true, ik, iv, p.StaticIndex);
                _cache.Store(_rows, layer, isStatic: false, ik, iv, p.MediumIndex);
                return kv;
            }
            case 2:
            {
                var (ik, iv) = Latent(kv);                                                                     // [B, n, H, D]
                _cache.Store(_rows, layer, isStatic: false, ik, iv, p.MediumInNonStatic);
                var (sk, sv) = _cache.Get(_rows, layer, isStatic: true);
                return new KeyValues(torch.cat([k, FrozenKvCache.Fetch(sk, k)], 1), torch.cat([v, FrozenKvCache.Fetch(sv, v)], 1), text); // [B, t + n + s, H, D]
            }
            default:
            {
                var (mk, mv) = _cache.Get(_rows, layer, isStatic: false);
                var (sk, sv) = _cache.Get(_rows, layer, isStatic: true);
                return new KeyValues(torch.cat([k, FrozenKvCache.Fetch(mk, k), FrozenKvCache.Fetch(sk, k)], 1),
                    torch.cat([v, FrozenKvCache.Fetch(mv, v), FrozenKvCache.Fetch(sv, v)], 1), text); // [B, t + N, H, D]
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
