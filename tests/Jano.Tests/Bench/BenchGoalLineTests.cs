using Jano.Engine.Bench;
using Xunit;

namespace Jano.Tests.Bench;

/// <summary>The goal lines of <c>bench.md</c> on hand-made results whose answers are known.</summary>
public sealed class BenchGoalLineTests
{
    private static BenchRecord Run(string method, string setting, double speedup, double psnr, double ideal = 0, string[]? levels = null,
        double[]? stepSeconds = null, double[]? share = null) => new()
    {
        Model = "m", Weights = "w", Method = method, Setting = setting, Options = [], Prompt = "p", Seed = 42, Threads = 2, Steps = 4,
        LatencySamples = [1.0 / speedup], LatencyMedian = 1.0 / speedup, FullLatencyMedian = 1.0, Speedup = speedup, Psnr = psnr, Ssim = 0.9,
        Identical = false, IdealSpeedup = ideal > 0 ? ideal : speedup, Flops = 1, CacheBytes = 0, PeakRssBytes = 1, ComputedTokenFraction = 0.5,
        StepLevels = levels ?? ["full", "full", "L1", "L1"], LevelSeconds = [], StepSeconds = stepSeconds ?? [0.1, 0.1, 0.02, 0.02],
        StepTokenShare = share ?? [1, 1, 0.1, 0.1],
    };

    private static List<BenchRecord> Results() =>
    [
        Run("jano", "a", 2.0, 38), Run("jano", "b", 3.2, 31, ideal: 3.4),
        Run("teacache", "t1", 2.0, 36), Run("teacache", "t2", 3.0, 28),
        Run("magcache", "m1", 2.5, 36),                      // above Jano's front at 2.5x (Jano: 34.7 dB there)
        Run("jano+teacache", "x", 3.5, 32),                  // faster than both alone at 32 dB: counts
        Run("jano+magcache", "y", 2.0, 30),                  // below both: never counts
        Run("jano-oracle", "a", 2.0, 38.5), Run("jano-oracle", "b", 3.2, 31.5),
        Run("jano-random", "a", 2.0, 33), Run("jano-random", "b", 3.2, 29),
    ];

    [Fact]
    public void Each_goal_is_judged_from_the_fronts()
    {
        var lines = BenchReport.GoalLines(Results());
        string Line(string start) => Assert.Single(lines, l => l.StartsWith(start, StringComparison.Ordinal));

        Assert.StartsWith("plain Jano >= 3x at mean PSNR >= 30 dB: reached (fastest setting at >= 30 dB: jano b, 3.20x at 31.00 dB)", Line("plain Jano >= 3x"));
        Assert.Contains(": reached", Line("plain Jano front above teacache"));
        Assert.Contains(": NOT reached", Line("plain Jano front above magcache"));
        Assert.StartsWith("jano+teacache counts over", Line("jano+teacache"));
        Assert.StartsWith("jano+magcache counts nowhere", Line("jano+magcache"));
        Assert.Contains(": reached", Line("analyzer within 1 dB of jano-oracle"));
        Assert.Contains(": NOT reached", Line("analyzer >= 3 dB above jano-random"));   // only 2 dB above at 3.2x
        // level-1 cost 0.2 of a full step against share 0.1 + 0.05; achieved 3.2 of 3.4 ideal = 0.94
        Assert.Contains("achieved/ideal 0.94 (met at 90%); level-1 step cost 0.200 of a full step vs active share + 5% 0.150: NOT met", Line("Jano b:"));
    }

    [Fact]
    public void Without_a_setting_at_30_dB_the_first_goal_is_not_reached()
    {
        var lines = BenchReport.GoalLines([Run("jano", "a", 3.5, 25), Run("teacache", "t", 2.0, 36)]);
        Assert.Equal("plain Jano >= 3x at mean PSNR >= 30 dB: NOT reached (no setting keeps 30 dB)", lines[0]);
    }
}
