using Jano.Core.Acceleration;
using System.Globalization;
using Jano.Acceleration.Common;
using Jano.Core;
using Jano.Core.Options;

namespace Jano.Acceleration.MagCache;

/// <summary>
/// MagCache's knobs (Zehong-Ma/MagCache; Wan2.1-1.3B preset <c>magcache_thresh 0.12, magcache_K 4, retention_ratio 0.2</c>).
/// <see cref="MagRatios"/> are the calibrated per-step ratios ‖r_t‖/‖r_{t−1}‖ of the block-stack residual, stretched to
/// the run's step count by nearest-index interpolation (as diffusers' MagCacheConfig does). This project's models ship
/// no calibration, so the default is ratio 1.0 at every step: the accumulated error then stays 0 and only
/// <see cref="MagcacheK"/> limits skipping (a fixed "compute one step in K + 1" schedule after the retention phase).
/// A full run (<c>magcache_thresh=0</c>) reports the observed ratios in its notes, ready to pass back as <c>mag_ratios</c>.
/// Off: <c>magcache_thresh=0</c> or <c>magcache_k=0</c>.
/// </summary>
public sealed record MagCacheOptions : IStepCacheOptions
{
    public double MagcacheThresh { get; init; } = 0.12;
    public int MagcacheK { get; init; } = 4;
    public double RetentionRatio { get; init; } = 0.2;
    public double[] MagRatios { get; init; } = [1.0];
    /// <summary>Last steps that always compute (the authors' Wan script has none).</summary>
    public int CooldownSteps { get; init; }

    public static IReadOnlyList<string> Keys { get; } = ["magcache_thresh", "magcache_k", "retention_ratio", "mag_ratios", "cooldown_steps"];

    public bool IsOff => !(MagcacheThresh > 0) || MagcacheK == 0;

    public MagCacheOptions With(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var o = this;
        foreach (var (key, value) in pairs)
        {
            o = key switch
            {
                "magcache_thresh" or "threshold" => o with { MagcacheThresh = OptionList.ParseDouble(key, value) },
                "magcache_k" or "k" => o with { MagcacheK = OptionList.ParseInt(key, value) },
                "retention_ratio" => o with { RetentionRatio = OptionList.ParseDouble(key, value) },
                "mag_ratios" => o with { MagRatios = OptionValues.DoubleList(key, value) },
                "cooldown_steps" => o with { CooldownSteps = OptionList.ParseInt(key, value) },
                _ => throw OptionValues.Unknown("magcache", key, Keys),
            };
        }
        o.CheckRanges();
        return o;
    }

    public void CheckRanges()
    {
        if (MagcacheThresh < 0) throw new UsageException($"magcache_thresh ({OptionList.Format(MagcacheThresh)}) must not be negative");
        if (MagcacheK < 0) throw new UsageException($"magcache_k ({MagcacheK}) must not be negative");
        if (RetentionRatio < 0 || RetentionRatio > 1) throw new UsageException($"retention_ratio ({OptionList.Format(RetentionRatio)}) must be in [0, 1]");
        if (MagRatios.Length == 0 || MagRatios.Any(r => !(r > 0))) throw new UsageException("mag_ratios must be positive numbers");
        if (CooldownSteps < 0) throw new UsageException($"cooldown_steps ({CooldownSteps}) must not be negative");
        RequestLimits.StepCounts(("magcache_k", MagcacheK), ("cooldown_steps", CooldownSteps));
    }

    /// <summary>The ratio for 0-based step <paramref name="index"/> of <paramref name="steps"/> (nearest-index interpolation).</summary>
    public double RatioAt(int index, int steps)
    {
        if (MagRatios.Length == 1 || steps <= 1) return MagRatios[0];
        int j = (int)Math.Round(index * (MagRatios.Length - 1) / (double)(steps - 1), MidpointRounding.AwayFromZero);
        return MagRatios[Math.Clamp(j, 0, MagRatios.Length - 1)];
    }

    /// <summary>Steps that always compute at the start: ⌊retention_ratio · N⌋, at least 1 (the first step fills the cache).</summary>
    public int RetentionSteps(int steps) => Math.Max(1, (int)(RetentionRatio * steps));

    /// <summary>Catalog name.</summary>
    public string Method => "magcache";

    /// <summary>Keys <see cref="MagCacheRule"/> reads (on Jano: <c>jano+magcache</c>; Jano's protected steps replace the
    /// retention and cool-down steps).</summary>
    public IReadOnlyList<string> RuleKeys => RuleKeyList;

    private static readonly string[] RuleKeyList = ["magcache_thresh", "threshold", "magcache_k", "k", "mag_ratios"];

    IStepCacheOptions IStepCacheOptions.WithRule(IEnumerable<KeyValuePair<string, string>> pairs) => With(pairs);

    public IReadOnlyList<KeyValuePair<string, string>> RulePairs() =>
    [
        new("magcache_thresh", OptionList.Format(MagcacheThresh)),
        new("magcache_k", MagcacheK.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("mag_ratios", OptionValues.Format(MagRatios)),
    ];

    public IStepSkipRule CreateRule(TransformerDescriptor model, GenerationPlan plan) => new MagCacheRule(this, plan.Steps);

    public IReadOnlyList<KeyValuePair<string, string>> ToPairs() =>
    [
        new("magcache_thresh", OptionList.Format(MagcacheThresh)),
        new("magcache_k", MagcacheK.ToString(CultureInfo.InvariantCulture)),
        new("retention_ratio", OptionList.Format(RetentionRatio)),
        new("mag_ratios", OptionValues.Format(MagRatios)),
        new("cooldown_steps", CooldownSteps.ToString(CultureInfo.InvariantCulture)),
    ];
}
