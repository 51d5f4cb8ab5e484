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
/// Maps <c>--accel</c> names to factories. A factory takes the model's preset text and the user's option text
/// (both <c>k=v,...</c>; the user's win) and returns a configured accelerator. New methods register here only.
/// </summary>
public static class AcceleratorCatalog
{
    private static readonly Dictionary<string, (string Description, Func<string, string?, IAccelerator> Create)> Factories = new()
    {
        ["none"] = ("plain sampling, every token every step", (_, user) =>
        {
            if (OptionList.Parse(user).Count > 0) throw new UsageException("accelerator 'none' takes no options");
            return new NoAccelerator();
        }),
        ["jano"] = ("Jano: complexity-aware token skipping with frozen-token K/V caches", (preset, user) =>
            new JanoAccelerator(new JanoOptions().With(OptionList.Parse(preset)).With(OptionList.Parse(user)))),
        ["jano+teacache"] = ("Jano with a TeaCache step cache on cheap steps: skips a level-1/2 forward while block 0's probe barely changes", (preset, user) =>
            new JanoTeaCacheAccelerator(new JanoTeaCacheOptions { Jano = new JanoOptions().With(OptionList.Parse(preset)) }.With(OptionList.Parse(user)))),
        ["teacache"] = ("TeaCache: skip the block stack while the rescaled change of block 0's modulated input stays small", (_, user) =>
            new TeaCacheAccelerator(new TeaCacheOptions().With(OptionList.Parse(user)))),
        ["magcache"] = ("MagCache: skip the block stack by accumulated residual-magnitude-ratio error, at most K in a row", (_, user) =>
            new MagCacheAccelerator(new MagCacheOptions().With(OptionList.Parse(user)))),
        ["easycache"] = ("EasyCache: reuse the block stack's last transformation vector while the estimated change stays small", (_, user) =>
            new EasyCacheAccelerator(new EasyCacheOptions().With(OptionList.Parse(user)))),
        ["pab"] = ("PAB: broadcast self/cross attention outputs across steps (separate ranges)", (_, user) =>
            new PabAccelerator(new PabOptions().With(OptionList.Parse(user)))),
        ["toca"] = ("ToCa: token-wise caching; self-attention reused, cross-attention recomputed for top-scored tokens", (_, user) =>
            new ToCaAccelerator(new ToCaOptions().With(OptionList.Parse(user)))),
        ["ras"] = ("RAS: per-step region selection from the last update, cached K/V of skipped tokens, dense reset steps", (_, user) =>
            new RasAccelerator(new RasOptions().With(OptionList.Parse(user)))),
    };

    public static IReadOnlyList<string> Names => Factories.Keys.ToArray();

    public static string Describe(string name) => Factories[name].Description;

    /// <summary>Creates accelerator <paramref name="name"/> for <paramref name="spec"/>: the method's defaults, then the model's
    /// Jano preset (Jano methods), then what <c>jano calibrate</c> fitted for this model and method (when
    /// <paramref name="calibration"/> is given), then the user's options.</summary>
    public static IAccelerator Create(string name, ModelEntry spec, string? userOptions, ModelCalibration? calibration)
    {
        var key = name.ToLowerInvariant();
        string Cal(string method) => calibration?.For(method) ?? "";
        return key switch
        {
            "jano" => Create(key, Join(spec.JanoPreset, Cal("jano")), userOptions),
            "jano+teacache" => Create(key, Join(spec.JanoPreset, Cal("jano")), Join(Cal("teacache"), userOptions)),
            _ => Create(key, spec.JanoPreset, Join(Cal(key), userOptions)),
        };
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
}
