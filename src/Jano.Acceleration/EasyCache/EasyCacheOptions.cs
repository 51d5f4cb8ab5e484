using Jano.Core.Acceleration;
using System.Globalization;
using Jano.Acceleration.Common;
using Jano.Core;
using Jano.Core.Options;

namespace Jano.Acceleration.EasyCache;

/// <summary>
/// EasyCache's knobs (H-EmbodVis/EasyCache, Wan2.1 script): <see cref="Thresh"/> 0.05 on the accumulated estimated
/// relative output change; <see cref="WarmupSteps"/> 5 (the script's <c>ret_steps = 10</c> calls with CFG = 5 steps);
/// the last step always computes (<c>cutoff = 2N − 2</c> calls). No calibration. Off: <c>thresh=0</c>.
/// </summary>
public sealed record EasyCacheOptions : IStepCacheOptions
{
    public double Thresh { get; init; } = 0.05;
    public int WarmupSteps { get; init; } = 5;
    public int CooldownSteps { get; init; } = 1;

    public static IReadOnlyList<string> Keys { get; } = ["thresh", "warmup_steps", "cooldown_steps"];

    public bool IsOff => !(Thresh > 0);

    public EasyCacheOptions With(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var o = this;
        foreach (var (key, value) in pairs)
        {
            o = key switch
            {
                "thresh" or "threshold" or "reuse_threshold" => o with { Thresh = OptionList.ParseDouble(key, value) },
                "warmup_steps" => o with { WarmupSteps = OptionList.ParseInt(key, value) },
                "cooldown_steps" => o with { CooldownSteps = OptionList.ParseInt(key, value) },
                _ => throw OptionValues.Unknown("easycache", key, Keys),
            };
        }
        o.CheckRanges();
        return o;
    }

    public void CheckRanges()
    {
        if (Thresh < 0) throw new UsageException($"thresh ({OptionList.Format(Thresh)}) must not be negative");
        if (WarmupSteps < 2) throw new UsageException($"warmup_steps ({WarmupSteps}) must be at least 2 (two computed steps estimate the input/output ratio)");
        if (CooldownSteps < 0) throw new UsageException($"cooldown_steps ({CooldownSteps}) must not be negative");
        RequestLimits.StepCounts(("warmup_steps", WarmupSteps), ("cooldown_steps", CooldownSteps));
    }

    /// <summary>Catalog name.</summary>
    public string Method => "easycache";

    /// <summary>Keys <see cref="EasyCacheRule"/> reads (on Jano: <c>jano+easycache</c>).</summary>
    public IReadOnlyList<string> RuleKeys => RuleKeyList;

    private static readonly string[] RuleKeyList = ["thresh", "threshold", "reuse_threshold"];

    IStepCacheOptions IStepCacheOptions.WithRule(IEnumerable<KeyValuePair<string, string>> pairs) => With(pairs);

    public IReadOnlyList<KeyValuePair<string, string>> RulePairs() => [new("thresh", OptionList.Format(Thresh))];

    public IStepSkipRule CreateRule(TransformerDescriptor model, GenerationPlan plan) => new EasyCacheRule(this);

    public IReadOnlyList<KeyValuePair<string, string>> ToPairs() =>
    [
        new("thresh", OptionList.Format(Thresh)),
        new("warmup_steps", WarmupSteps.ToString(CultureInfo.InvariantCulture)),
        new("cooldown_steps", CooldownSteps.ToString(CultureInfo.InvariantCulture)),
    ];
}
