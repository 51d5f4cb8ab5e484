using Jano.Acceleration.Common;
using Jano.Acceleration.JanoCombo;
using Jano.Acceleration.JanoMethod;
using Jano.Acceleration.EasyCache;
using Jano.Acceleration.MagCache;
using Jano.Acceleration.Pab;
using Jano.Acceleration.Ras;
using Jano.Acceleration.TeaCache;
using Jano.Acceleration.ToCa;
using Jano.Core;
using Jano.Core.Acceleration;
using Jano.Core.Options;
using Jano.Engine.Calibration;

namespace Jano.Engine.Catalog;

/// <summary>
/// Maps <c>--accel</c> names to factories. A line holds the method's description, its "off" setting (options under which
/// it must give the plain output bit for bit: the contract suite and the bench check it) and a factory that takes the
/// model's preset text and the user's option text (both <c>k=v,...</c>; the user's win) and returns a configured
/// accelerator. New methods register here only. A step cache layered on Jano is one line, <c>jano+NAME</c>, over the
/// step cache's options (<see cref="IStepCacheOptions"/>).
/// </summary>
public static class AcceleratorCatalog
{
    private static readonly Dictionary<string, (string Description, string Off, Func<string, string?, IAccelerator> Create)> Factories = new()
    {
        ["none"] = ("plain sampling, every token every step", "", (_, user) =>
        {
            if (OptionList.Parse(user).Count > 0) throw new UsageException("accelerator 'none' takes no options");
            return new NoAccelerator();
        }),
        ["jano"] = ("Jano: complexity-aware token skipping with frozen-token K/V caches", "static_interval=0", (preset, user) =>
            new JanoAccelerator(new JanoOptions().With(OptionList.Parse(preset)).With(OptionList.Parse(user)))),
        ["jano+teacache"] = ("Jano with a TeaCache step cache on cheap steps: skips a level-1/2 forward while block 0's probe barely changes",
            "static_interval=0,rel_l1_thresh=0", (preset, user) => JanoStepCache(new TeaCacheOptions(), preset, user)),
        ["jano+magcache"] = ("Jano with a MagCache step cache on cheap steps: skips a level-1/2 forward by accumulated residual-ratio error",
            "static_interval=0,magcache_thresh=0", (preset, user) => JanoStepCache(new MagCacheOptions(), preset, user)),
        ["jano+easycache"] = ("Jano with an EasyCache step cache on cheap steps: skips a level-1/2 forward while the estimated change stays small",
            "static_interval=0,thresh=0", (preset, user) => JanoStepCache(new EasyCacheOptions(), preset, user)),
        ["teacache"] = ("TeaCache: skip the block stack while the rescaled change of block 0's modulated input stays small", "rel_l1_thresh=0", (_, user) =>
            new TeaCacheAccelerator(new TeaCacheOptions().With(OptionList.Parse(user)))),
        ["magcache"] = ("MagCache: skip the block stack by accumulated residual-magnitude-ratio error, at most K in a row", "magcache_thresh=0", (_, user) =>
            new MagCacheAccelerator(new MagCacheOptions().With(OptionList.Parse(user)))),
        ["easycache"] = ("EasyCache: reuse the block stack's last transformation vector while the estimated change stays small", "thresh=0", (_, user) =>
            new EasyCacheAccelerator(new EasyCacheOptions().With(OptionList.Parse(user)))),
        ["pab"] = ("PAB: broadcast self/cross attention outputs across steps (separate ranges)", "self_range=1,cross_range=1", (_, user) =>
            new PabAccelerator(new PabOptions().With(OptionList.Parse(user)))),
        ["toca"] = ("ToCa: token-wise caching; self-attention reused, cross-attention and MLP recomputed for top-scored tokens",
            "fresh_threshold=1,cross_fresh_threshold=1", (_, user) => new ToCaAccelerator(new ToCaOptions().With(OptionList.Parse(user)))),
        ["ras"] = ("RAS: per-step region selection from the last update, cached K/V of skipped tokens, dense reset steps", "sample_ratio=1", (_, user) =>
            new RasAccelerator(new RasOptions().With(OptionList.Parse(user)))),
    };

    public static IReadOnlyList<string> Names => Factories.Keys.ToArray();

    public static string Describe(string name) => Factories[name].Description;

    /// <summary>The options under which accelerator <paramref name="name"/> computes every token of every step, so its output
    /// is the plain output bit for bit (empty for <c>none</c>).</summary>
    public static string Off(string name) =>
        Factories.TryGetValue(name.ToLowerInvariant(), out var f) ? f.Off
            : throw new ArgumentException($"unknown accelerator '{name}'; available: {string.Join(", ", Factories.Keys)}");

    /// <summary>Creates accelerator <paramref name="name"/> for <paramref name="spec"/>: the method's defaults, then the model's
    /// Jano preset (Jano methods), then what <c>jano calibrate</c> fitted for this model and method (when
    /// <paramref name="calibration"/> is given), then the user's options. For <c>jano+NAME</c> the step cache's calibration is
    /// the one fitted under Jano (<c>jano+NAME</c> in the calibration file) where present, else NAME's own, limited to the keys
    /// the step cache's rule reads.</summary>
    public static IAccelerator Create(string name, ModelEntry spec, string? userOptions, ModelCalibration? calibration)
    {
        var key = name.ToLowerInvariant();
        string Cal(string method) => calibration?.For(method) ?? "";
        string Family(string method) => spec.MethodPresets.TryGetValue(method, out var p) ? p : "";
        if (key == "jano") return Create(key, Join(spec.JanoPreset, Cal("jano")), userOptions);
        if (key.StartsWith("jano+", StringComparison.Ordinal) && Factories.ContainsKey(key))
        {
            var cache = key["jano+".Length..];
            var ruleKeys = Create(key, "", null).Options.Select(p => p.Key).Except(JanoOptions.Keys).ToHashSet();
            string RuleOnly(string text) => string.Join(",", OptionList.Parse(text).Where(p => ruleKeys.Contains(p.Key)).Select(p => $"{p.Key}={p.Value}"));
            string cal = Cal(key).Length > 0 ? Cal(key) : RuleOnly(Cal(cache));
            return Create(key, Join(spec.JanoPreset, Cal("jano")), Join(Join(RuleOnly(Family(cache)), cal), userOptions));
        }
        return Create(key, spec.JanoPreset, Join(Join(Family(key), Cal(key)), userOptions));
    }

    private static string Join(string first, string? second) =>
        string.Join(",", new[] { first, second ?? "" }.Where(t => t.Length > 0));

    /// <summary>Creates accelerator <paramref name="name"/> with the model's Jano preset <paramref name="janoPreset"/>
    /// (<c>k=v,...</c>) under the user's options.</summary>
    public static IAccelerator Create(string name, string janoPreset, string? userOptions)
    {
        if (!Factories.TryGetValue(name.ToLowerInvariant(), out var f))
            throw new UsageException($"unknown accelerator '{name}'; available: {string.Join(", ", Factories.Keys)}");
        return f.Create(janoPreset, userOptions);
    }

    // jano+NAME: Jano's defaults under the model's preset, the step cache's defaults, then the user's options on both.
    private static JanoStepCacheAccelerator JanoStepCache(IStepCacheOptions cache, string preset, string? user) =>
        new(new JanoStepCacheOptions { Jano = new JanoOptions().With(OptionList.Parse(preset)), Cache = cache }.With(OptionList.Parse(user)));
}
