using System.Text.Json;
using Jano.Core;
using Jano.Engine.Bench;
using Jano.Tests.Cli;
using Xunit;

namespace Jano.Tests.Wan;

/// <summary><c>jano bench --timing-only --random-weights</c>: per-level forward timing of a Wan DiT (tiny config here).</summary>
public sealed class WanTimingTests : IDisposable
{
    private readonly string _dir = CliRunner.TempDir();

    [Fact]
    public void Tiny_config_is_timed_per_level_with_the_fixed_split_and_the_schedule_ratio()
    {
        var report = WanTimingJob.Run(new WanTimingOptions
        {
            Model = "tiny",
            Config = WanFixtures.TinyConfig,
            LatentShape = [16, 2, 8, 8], // 2x4x4 = 32 tokens
            LevelFractions = [0.5, 0.25, 0.25],
            Forwards = 3,
            OutDir = _dir,
        });
        Assert.Equal(32, report.Tokens);
        // 1 row x 2 layers x (16 static + 8 medium) x 48 x {K, V} x 4 bytes + output buffer 1 x 32 x 64 x 4
        Assert.Equal(1L * 2 * 24 * 48 * 2 * 4 + 32 * 64 * 4, report.CacheBytes);
        Assert.Equal(report.CacheBytes, report.CacheFormulaBytes["run"]);
        Assert.Equal(2L * 2 * 24 * 48 * 1 * 2 + 2 * 32 * 64 * 4, report.CacheFormulaBytes["cfg_hidden_bfloat16"]);
        Assert.Equal(new Dictionary<string, int> { ["full"] = 32, ["L3"] = 32, ["L2"] = 16, ["L1"] = 8 }, report.Rows);
        foreach (var level in new[] { "full", "L3", "L2", "L1" })
        {
            Assert.Equal(3, report.Samples[level].Length);
            Assert.All(report.Samples[level], s => Assert.True(s > 0));
            Assert.Equal(report.Median[level] / report.Median["full"], report.Relative[level], 12);
        }
        Assert.Equal(1.0, report.Relative["full"], 12);
        double expected = (10 * 1.0 + 7 * report.Relative["L3"] + 7 * report.Relative["L2"] + 26 * report.Relative["L1"]) / 50;
        Assert.Equal(expected, report.ScheduleRatio, 12);
        Assert.Equal(1 / expected, report.ScheduleSpeedup, 12);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "timing.json")));
        Assert.Equal(expected, doc.RootElement.GetProperty("schedule_ratio").GetDouble(), 12);
        Assert.Equal(26, doc.RootElement.GetProperty("schedule").GetProperty("L1").GetInt32());
    }

    [Fact]
    public void Level_split_follows_the_fractions_and_bad_options_are_rejected()
    {
        var levels = WanTimingJob.Levels(100, [0.6, 0.3, 0.1], 5);
        Assert.Equal(60, levels.Count(l => l == 1));
        Assert.Equal(30, levels.Count(l => l == 2));
        Assert.Equal(10, levels.Count(l => l == 3));
        Assert.Equal([0.6, 0.3, 0.1], WanTimingJob.ParseFractions("0.6,0.3,0.1"));
        Assert.Throws<UsageException>(() => WanTimingJob.ParseFractions("0.6,0.3"));
        Assert.Throws<UsageException>(() => WanTimingJob.ParseFractions("0.6,0.3,0.3"));
        var r = CliRunner.Run("bench", "--model", "wan2.1-t2v-1.3b", "--timing-only", "--level-fractions", "0.6,0.3,0.1", "--out", _dir);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--random-weights", r.LastErrorLine);
        r = CliRunner.Run("bench", "--model", "fmnist-video", "--timing-only", "--random-weights", "--level-fractions", "0.6,0.3,0.1", "--out", _dir);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("takes a Wan or FLUX.1 model", r.LastErrorLine);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
