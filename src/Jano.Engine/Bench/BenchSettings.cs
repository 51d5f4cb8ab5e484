using System.Globalization;
using Jano.Core;

namespace Jano.Engine.Bench;

/// <summary>
/// The settings every method runs in <c>jano bench</c>, fixed here in advance: five per method, spanning the authors'
/// range (step-based settings scaled from the authors' 50-step values to the run's N), plus Jano's own five over
/// thresholds and intervals (overrides on the model's Jano preset), Jano with a step cache (<c>jano+teacache</c>, <c>jano+magcache</c>, <c>jano+easycache</c>) and
/// Jano driven by <c>target_speedup</c> (<c>jano-target</c>). Each method also has an "off" setting that must be
/// bit-identical to full compute; the bench times it on the first prompt/seed pairs to measure the method's overhead.
/// </summary>
public static class BenchSettings
{
    /// <summary>Methods in report order (full compute is always run and is not listed).</summary>
    public static IReadOnlyList<string> Methods { get; } = ["jano", "jano+teacache", "jano+magcache", "jano+easycache", "jano-target", "jano-oracle", "jano-random", "teacache", "magcache", "easycache", "pab", "toca", "ras"];

    // The one-parameter sweeps of For (the tuple sweeps stay inline next to their labels).
    private static readonly double[] JanoTeaCacheThresholds = [0.05, 0.1, 0.2, 0.3, 0.5];
    private static readonly double[] JanoMagCacheThresholds = [0.03, 0.06, 0.12, 0.24, 0.48];
    private static readonly double[] JanoEasyCacheThresholds = [0.025, 0.05, 0.1, 0.2, 0.3];
    private static readonly double[] JanoTargetSpeedups = [1.5, 2.0, 2.5, 3.0, 3.5];
    private static readonly double[] TeaCacheThresholds = [0.05, 0.1, 0.2, 0.4, 0.6];
    private static readonly double[] EasyCacheThresholds = [0.025, 0.05, 0.1, 0.2, 0.3];
    private static readonly double[] RasSampleRatios = [0.75, 0.6, 0.5, 0.4, 0.25];

    /// <summary>Label of the off setting.</summary>
    public const string OffLabel = "off";

    /// <summary>Jano with the oracle level map (block scores from the same seed's full run, supplied by the bench).</summary>
    public const string OracleMethod = "jano-oracle";

    /// <summary>The accelerator catalog name a bench method runs (<c>jano-target</c> is Jano with a target; <c>jano-oracle</c>
    /// and <c>jano-random</c> are Jano with another level map at the analyzer's level fractions).</summary>
    public static string AcceleratorName(string method) => method is "jano-target" or OracleMethod or "jano-random" ? "jano" : method;

    /// <summary>Option text of the method's off setting (bit-identical to full compute).</summary>
    public static string Off(string method) => Methods.Contains(method)
        ? Catalog.AcceleratorCatalog.Off(AcceleratorName(method))
        : throw new UsageException($"unknown bench method '{method}'; valid: {string.Join(", ", Methods)}");

    /// <summary>Settings per method: a short label and the <c>k=v,...</c> option text.</summary>
    public static IReadOnlyList<(string Label, string Options)> For(string method, int steps)
    {
        string S(int v) => v.ToString(CultureInfo.InvariantCulture);
        int Scaled(double fraction, int min) => Math.Max(min, (int)Math.Round(fraction * steps, MidpointRounding.AwayFromZero));
        switch (method)
        {
            case "jano":
                // the authors' Wan setting first, then longer intervals and higher thresholds
                return new (double Ts, int Si, double Tm, int Mi)[] { (0.2, 6, 0.6, 3), (0.2, 8, 0.6, 4), (0.3, 8, 0.7, 4), (0.3, 10, 0.7, 5), (0.4, 12, 0.8, 6) }
                    .Select(p => ($"ts{F(p.Ts)}/s{p.Si}/tm{F(p.Tm)}/m{p.Mi}",
                        $"static_thresh={F(p.Ts)},static_interval={p.Si},medium_thresh={F(p.Tm)},medium_interval={p.Mi}")).ToArray();
            case OracleMethod:
            case "jano-random":
                // Jano's own sweep with the map re-ranked by the oracle or at random (same level fractions)
                return For("jano", steps).Select(x => (x.Label, $"{x.Options},map={(method == OracleMethod ? "oracle" : "random")}")).ToArray();
            case "jano+teacache":
                // the model's Jano preset plus a step cache on its cheap steps
                return JanoTeaCacheThresholds.Select(t => ($"preset+thr{F(t)}", $"rel_l1_thresh={F(t)}")).ToArray();
            case "jano+magcache":
                return JanoMagCacheThresholds.Select(t => ($"preset+thr{F(t)}", $"magcache_thresh={F(t)}")).ToArray();
            case "jano+easycache":
                return JanoEasyCacheThresholds.Select(t => ($"preset+thr{F(t)}", $"thresh={F(t)}")).ToArray();
            case "jano-target":
                return JanoTargetSpeedups.Select(t => ($"target{F(t)}x", $"target_speedup={F(t)}")).ToArray();
            case "teacache":
                return TeaCacheThresholds.Select(t => ($"thr{F(t)}", $"rel_l1_thresh={F(t)}")).ToArray();
            case "magcache":
                return new (double T, int K)[] { (0.06, 1), (0.12, 2), (0.12, 3), (0.24, 4), (0.24, 6) }
                    .Select(p => ($"thr{F(p.T)}/K{p.K}", $"magcache_thresh={F(p.T)},magcache_k={p.K}")).ToArray();
            case "easycache":
            {
                int w = Scaled(0.1, 2);
                return EasyCacheThresholds.Select(t => ($"thr{F(t)}", $"thresh={F(t)},warmup_steps={S(w)}")).ToArray();
            }
            case "pab":
            {
                int w = Scaled(0.1, 1), c = Scaled(0.1, 0);
                return new (int Self, int Cross, int Li)[] { (2, 4, 4), (3, 6, 4), (5, 8, 4), (5, 8, 2), (6, 10, 1) }
                    .Select(p => ($"s{p.Self}/c{p.Cross}/i{p.Li}",
                        $"self_range={p.Self},cross_range={p.Cross},layer_interval={p.Li},warmup_steps={S(w)},cooldown_steps={S(c)}")).ToArray();
            }
            case "toca":
                return new (double R, int T)[] { (0.3, 2), (0.2, 3), (0.1, 3), (0.1, 4), (0.05, 5) }
                    .Select(p => ($"r{F(p.R)}/n{p.T}", $"fresh_ratio={F(p.R)},fresh_threshold={p.T},cross_fresh_threshold={2 * p.T}")).ToArray();
            case "ras":
            {
                int start = Scaled(0.08, 1), end = Scaled(0.6, start), r1 = Scaled(0.24, 0), r2 = Scaled(0.44, 0);
                return RasSampleRatios
                    .Select(r => ($"ratio{F(r)}", $"sample_ratio={F(r)},start_step={S(start)},end_step={S(end)},reset_steps={S(r1)};{S(r2)}")).ToArray();
            }
            default:
                throw new UsageException($"unknown bench method '{method}'; valid: {string.Join(", ", Methods)}");
        }
    }

    private static string F(double d) => d.ToString("0.###", CultureInfo.InvariantCulture);
}
