using Jano.Acceleration.Common;
using Jano.Acceleration.JanoMethod;

namespace Jano.Acceleration.JanoCombo;

/// <summary>
/// Options of <c>jano+NAME</c>: every Jano key (<see cref="JanoOptions.Keys"/>) plus the rule keys of the step cache NAME
/// (<see cref="IStepCacheOptions.RuleKeys"/>, e.g. TeaCache's <c>rel_l1_thresh</c> and <c>coefficients</c>). The step
/// cache's own schedule keys (warm-up, cool-down, retention) are not separate keys here: the step cache protects Jano's
/// warm-up, cool-down and level-3 steps, so <c>warmup_steps</c> and <c>cooldown_steps</c> set Jano's. The step cache's
/// off setting (e.g. <c>rel_l1_thresh=0</c>) gives plain Jano.
/// </summary>
public sealed record JanoStepCacheOptions
{
    /// <summary>Jano's options (schedule, analysis, thresholds or targets).</summary>
    public JanoOptions Jano { get; init; } = new();

    /// <summary>The step cache's options; only its rule keys are used.</summary>
    public required IStepCacheOptions Cache { get; init; }

    /// <summary>Catalog name, <c>jano+NAME</c>.</summary>
    public string Name => "jano+" + Cache.Method;

    /// <summary>All option keys in display order.</summary>
    public IReadOnlyList<string> Keys => [.. JanoOptions.Keys, .. Cache.RulePairs().Select(p => p.Key)];

    /// <summary>Applies <c>k=v</c> pairs: rule keys go to <see cref="Cache"/>, the rest to <see cref="Jano"/>; unknown keys
    /// are errors naming the key.</summary>
    public JanoStepCacheOptions With(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var list = pairs.ToList();
        foreach (var (key, _) in list)
            if (!Cache.RuleKeys.Contains(key) && !JanoOptions.Keys.Contains(key))
                throw OptionValues.Unknown(Name, key, Keys);
        var o = this with
        {
            Jano = Jano.With(list.Where(p => !Cache.RuleKeys.Contains(p.Key))),
            Cache = Cache.WithRule(list.Where(p => Cache.RuleKeys.Contains(p.Key))),
        };
        o.CheckRanges();
        return o;
    }

    /// <summary>Range checks of both parts.</summary>
    public void CheckRanges()
    {
        Jano.CheckRanges();
        Cache.CheckRanges();
    }

    /// <summary>Resolved options: Jano's pairs, then the step cache's rule pairs.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ToPairs() => [.. Jano.ToPairs(), .. Cache.RulePairs()];
}
