using Jano.Acceleration.Common;
using Jano.Acceleration.JanoMethod;
using Jano.Acceleration.TeaCache;
using Jano.Core.Options;

namespace Jano.Acceleration.JanoCombo;

/// <summary>
/// Options of <c>jano+teacache</c>: every Jano key (<see cref="JanoOptions.Keys"/>) plus TeaCache's step-cache keys
/// <c>rel_l1_thresh</c> (alias <c>threshold</c>) and <c>coefficients</c>. TeaCache's own <c>warmup_steps</c> and
/// <c>cooldown_steps</c> are not separate keys here: the step cache protects Jano's warm-up, cool-down and level-3
/// steps, so those keys set Jano's. <c>rel_l1_thresh=0</c> turns the step cache off (plain Jano).
/// </summary>
public sealed record JanoTeaCacheOptions
{
    /// <summary>Jano's options (schedule, analysis, thresholds or targets).</summary>
    public JanoOptions Jano { get; init; } = new();

    /// <summary>Step-cache options; only <see cref="TeaCacheOptions.RelL1Thresh"/> and
    /// <see cref="TeaCacheOptions.Coefficients"/> are used.</summary>
    public TeaCacheOptions Cache { get; init; } = new();

    /// <summary>Step-cache option keys this method accepts on top of Jano's.</summary>
    public static IReadOnlyList<string> CacheKeys { get; } = ["rel_l1_thresh", "threshold", "coefficients"];

    /// <summary>All option keys in display order.</summary>
    public static IReadOnlyList<string> Keys { get; } = [.. JanoOptions.Keys, "rel_l1_thresh", "coefficients"];

    /// <summary>Applies <c>k=v</c> pairs: step-cache keys go to <see cref="Cache"/>, the rest to <see cref="Jano"/>;
    /// unknown keys are errors naming the key.</summary>
    public JanoTeaCacheOptions With(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var list = pairs.ToList();
        foreach (var (key, _) in list)
            if (!CacheKeys.Contains(key) && !JanoOptions.Keys.Contains(key))
                throw OptionValues.Unknown("jano+teacache", key, Keys);
        var o = this with
        {
            Jano = Jano.With(list.Where(p => !CacheKeys.Contains(p.Key))),
            Cache = Cache.With(list.Where(p => CacheKeys.Contains(p.Key))),
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

    /// <summary>Resolved options: Jano's pairs, then the step-cache pairs.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ToPairs() =>
    [
        .. Jano.ToPairs(),
        new("rel_l1_thresh", OptionList.Format(Cache.RelL1Thresh)),
        new("coefficients", OptionValues.Format(Cache.Coefficients)),
    ];
}
