using System.Globalization;
using Jano.Acceleration.Common;
using Jano.Core;
using Jano.Core.Options;

namespace Jano.Acceleration.ToCa;

/// <summary>
/// ToCa's knobs as the Jano authors ran it on Wan (spec §5.3): 0-based step i is a full ("fresh") step for
/// self-attention and the MLP when i &lt; <see cref="WarmupSteps"/> (3) or i mod <see cref="FreshThreshold"/> (3) = 0, and
/// for cross-attention when i &lt; warmup or i mod <see cref="CrossFreshThreshold"/> (6) = 0. Other steps return the cached
/// self-attention output wholesale, recompute the cross-attention of the top <see cref="FreshRatio"/> (0.2) of tokens and
/// the MLP of the top <see cref="FreshRatio"/> · <see cref="MlpFactor"/> (0.2 · 1.495 = 0.299: the authors' "ToCa" ratio
/// schedule gives attention and FFN the module factor 1 + 0.33 · 1.5), and scatter them into the cached outputs.
/// Not copied (spec §7.11): the cross-attention ratio clamping to 0 (one token) — here K = max(1, round(n · ratio)) for
/// both token-wise modules; the score needs no attention map: L2-normalised token norm of the module's cached output plus
/// <see cref="AgeWeight"/> · (steps since the token was computed) / fresh_threshold (the authors' FLUX score, weight 0.25;
/// their Wan FFN score, the norm of the FFN input, has no age term).
/// Off: <c>fresh_threshold=1,cross_fresh_threshold=1</c>.
/// </summary>
public sealed record ToCaOptions
{
    public double FreshRatio { get; init; } = 0.2;
    public int FreshThreshold { get; init; } = 3;
    public int CrossFreshThreshold { get; init; } = 6;
    public int WarmupSteps { get; init; } = 3;
    public double AgeWeight { get; init; } = 0.25;
    public double MlpFactor { get; init; } = 1.495;

    public static IReadOnlyList<string> Keys { get; } = ["fresh_ratio", "fresh_threshold", "cross_fresh_threshold", "warmup_steps", "age_weight", "mlp_factor"];

    public bool IsOff => FreshThreshold == 1 && CrossFreshThreshold == 1;

    public ToCaOptions With(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var o = this;
        foreach (var (key, value) in pairs)
        {
            o = key switch
            {
                "mlp_factor" => o with { MlpFactor = OptionList.ParseDouble(key, value) },
                "fresh_ratio" => o with { FreshRatio = OptionList.ParseDouble(key, value) },
                "fresh_threshold" => o with { FreshThreshold = OptionList.ParseInt(key, value) },
                "cross_fresh_threshold" => o with { CrossFreshThreshold = OptionList.ParseInt(key, value) },
                "warmup_steps" => o with { WarmupSteps = OptionList.ParseInt(key, value) },
                "age_weight" => o with { AgeWeight = OptionList.ParseDouble(key, value) },
                _ => throw OptionValues.Unknown("toca", key, Keys),
            };
        }
        o.CheckRanges();
        return o;
    }

    public void CheckRanges()
    {
        if (!(FreshRatio > 0) || FreshRatio > 1) throw new UsageException($"fresh_ratio ({OptionList.Format(FreshRatio)}) must be in (0, 1]");
        if (FreshThreshold < 1) throw new UsageException($"fresh_threshold ({FreshThreshold}) must be at least 1");
        if (CrossFreshThreshold < 1) throw new UsageException($"cross_fresh_threshold ({CrossFreshThreshold}) must be at least 1");
        if (WarmupSteps < 1) throw new UsageException($"warmup_steps ({WarmupSteps}) must be at least 1 (the first step fills the cache)");
        if (AgeWeight < 0) throw new UsageException($"age_weight ({OptionList.Format(AgeWeight)}) must not be negative");
        if (!(MlpFactor > 0)) throw new UsageException($"mlp_factor ({OptionList.Format(MlpFactor)}) must be positive");
        RequestLimits.StepCounts(("fresh_threshold", FreshThreshold), ("cross_fresh_threshold", CrossFreshThreshold), ("warmup_steps", WarmupSteps));
    }

    /// <summary>True when 0-based step i is a full step for the given attention.</summary>
    public bool IsFresh(int i, bool cross) => i < WarmupSteps || i % (cross ? CrossFreshThreshold : FreshThreshold) == 0;

    /// <summary>Cross-attention tokens recomputed out of n on a partial step.</summary>
    public int FreshCount(long n) => (int)Math.Clamp(Math.Round(n * FreshRatio, MidpointRounding.AwayFromZero), 1, n);

    /// <summary>MLP tokens recomputed out of n on a partial step: ratio min(1, fresh_ratio · mlp_factor).</summary>
    public int MlpFreshCount(long n) => (int)Math.Clamp(Math.Round(n * Math.Min(1.0, FreshRatio * MlpFactor), MidpointRounding.AwayFromZero), 1, n);

    public IReadOnlyList<KeyValuePair<string, string>> ToPairs() =>
    [
        new("fresh_ratio", OptionList.Format(FreshRatio)),
        new("fresh_threshold", FreshThreshold.ToString(CultureInfo.InvariantCulture)),
        new("cross_fresh_threshold", CrossFreshThreshold.ToString(CultureInfo.InvariantCulture)),
        new("warmup_steps", WarmupSteps.ToString(CultureInfo.InvariantCulture)),
        new("age_weight", OptionList.Format(AgeWeight)),
        new("mlp_factor", OptionList.Format(MlpFactor)),
    ];
}
