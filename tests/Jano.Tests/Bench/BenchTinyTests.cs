using System.Text.Json;
using Jano.Engine.Bench;
using Jano.Engine.Catalog;
using Jano.Engine.Pipelines;
using Jano.Engine.Pipelines.Dit;
using Jano.Models.Dit;
using Xunit;

namespace Jano.Tests.Bench;

/// <summary>CI bench: every method and setting on a tiny random model, checking every output file and field, and --resume.</summary>
[Collection("Sequential")]
public class BenchTinyTests
{
    public static DitModelEntry TinyEntry { get; } = new()
    {
        Name = "tiny-bench",
        Description = "test-only: 2 frames of 16x16 grey, patch 1x4x4, 32 tokens, random weights",
        Config = new DitConfig { InChannels = 1, OutChannels = 1, Patch = [1, 4, 4], Dim = 32, FfnDim = 64, FreqDim = 32, NumHeads = 2, NumLayers = 2, ContextTokens = 2, TextDim = 16 },
        Defaults = new ModelDefaults { Steps = 10, Shift = 1.0, Guidance = 3.0, Width = 16, Height = 16, Frames = 2 },
        JanoPreset = "warmup_steps=2,cooldown_steps=1,analyze_block_size=1x4x4,t_weight=0.5,d_distance=1",
    };

    [Fact]
    public void TinyBenchWritesEveryFileAndFieldAndResumes()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"jano-bench-{Guid.NewGuid():N}");
        try
        {
            var options = new BenchOptions { Entry = TinyEntry, OutDir = dir, Prompts = 1, Seeds = 1, Steps = 10, Threads = 1 };
            var catalog = new ModelCatalog(Path.Combine(dir, "no-assets"));
            var records = BenchJob.Execute(options, catalog);
            AssertComplete(records, dir, steps: 10);
            Assert.Contains(records, r => r.Method == "ras" && r.CacheBytes > 0);
            Assert.Equal("tiny-bench", records[0].Model);
            // the oracle and random maps keep the analyzer's level fractions at every Jano setting
            foreach (var (method, map) in new[] { ("jano-oracle", "oracle"), ("jano-random", "random") })
                foreach (var r in records.Where(x => x.Method == method && x.Setting != BenchSettings.OffLabel))
                {
                    var plain = Assert.Single(records, x => x.Method == "jano" && x.Setting == r.Setting);
                    Assert.Equal(map, r.Options["map"]);
                    Assert.Equal(plain.ComputedTokenFraction, r.ComputedTokenFraction, 9);
                }

            int perMethod = 5;
            // resume: nothing left to run, no new lines, same records
            int lines = File.ReadAllLines(Path.Combine(dir, "bench.jsonl")).Length;
            var again = BenchJob.Execute(options with { Resume = true }, catalog);
            Assert.Equal(lines, File.ReadAllLines(Path.Combine(dir, "bench.jsonl")).Length);
            Assert.Equal(records.Select(r => r.Key), again.Select(r => r.Key));

            // resume after a lost record reruns only that one
            var kept = File.ReadAllLines(Path.Combine(dir, "bench.jsonl")).Where(l => !l.Contains("\"method\":\"toca\"")).ToArray();
            File.WriteAllLines(Path.Combine(dir, "bench.jsonl"), kept);
            var third = BenchJob.Execute(options with { Resume = true, Methods = ["toca"] }, catalog);
            Assert.Equal(lines, File.ReadAllLines(Path.Combine(dir, "bench.jsonl")).Length);
            Assert.Equal(perMethod + 1, third.Count(r => r.Method == "toca"));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The contents of a finished one-pair bench in <paramref name="dir"/>: every catalog method with five settings
    /// and an off setting bit-identical to full compute, every output file, every record field, the markdown sections.</summary>
    internal static void AssertComplete(IReadOnlyList<BenchRecord> records, string dir, int steps)
    {
        int perMethod = 5;
        // every accelerator the catalog offers is benchmarked (a new catalog entry needs bench settings)
        foreach (var name in AcceleratorCatalog.Names.Where(n => n != "none"))
            Assert.True(records.Any(r => r.Method == name), $"accelerator '{name}' of the catalog is missing from bench.json (add it to BenchSettings)");
        Assert.Equal(1 + BenchSettings.Methods.Count * (perMethod + 1), records.Count);
        foreach (var m in BenchSettings.Methods)
        {
            Assert.Equal(perMethod, records.Count(r => r.Method == m && r.Setting != BenchSettings.OffLabel));
            // the off setting ran on this (first) pair and is bit-identical to full compute
            var off = Assert.Single(records, r => r.Method == m && r.Setting == BenchSettings.OffLabel);
            Assert.True(off.Identical, $"{m} off setting differs from full compute");
        }
        foreach (var f in BenchJob.Files) Assert.True(new FileInfo(Path.Combine(dir, f)).Length > 0, $"{f} missing or empty");
        foreach (var png in new[] { "frontier.png", "levels.png" })
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, File.ReadAllBytes(Path.Combine(dir, png)).Take(4).ToArray());

        var full = Assert.Single(records, r => r.Method == BenchJob.FullMethod);
        Assert.True(full.Identical);
        Assert.Equal(60.0, full.Psnr);
        Assert.Equal(1.0, full.Ssim, 12);
        Assert.Equal(1.0, full.IdealSpeedup, 9);
        Assert.Equal(1.0, full.Speedup, 12);
        // full compute was timed before the first method group and after every second group
        Assert.Equal(1 + (BenchSettings.Methods.Count + 1) / 2, full.LatencySamples.Length);

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "bench.json")));
        Assert.Equal(records.Count, doc.RootElement.GetArrayLength());
        string[] fields =
        [
            "model", "weights", "method", "setting", "options", "prompt", "seed", "threads", "steps", "latency_samples", "latency_median",
            "full_latency_median", "speedup", "psnr", "ssim", "identical", "ideal_speedup", "flops", "cache_bytes", "peak_rss_bytes",
            "computed_token_fraction", "step_levels", "level_seconds", "step_seconds", "step_token_share",
        ];
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            foreach (var f in fields) Assert.True(e.TryGetProperty(f, out _), $"field {f} missing");
            Assert.Equal(1, e.GetProperty("threads").GetInt32());
            Assert.True(e.GetProperty("latency_median").GetDouble() > 0);
            Assert.True(e.GetProperty("psnr").GetDouble() <= 60.0);
            Assert.True(e.GetProperty("ideal_speedup").GetDouble() >= 0.999);
            Assert.True(e.GetProperty("peak_rss_bytes").GetInt64() > 0);
            Assert.Equal(steps, e.GetProperty("step_levels").GetArrayLength());
            Assert.Equal(steps, e.GetProperty("step_seconds").GetArrayLength());
            Assert.All(e.GetProperty("step_token_share").EnumerateArray(), x => Assert.InRange(x.GetDouble(), 0.0, 1.0));
        }
        Assert.Contains(records, r => r.Method != BenchJob.FullMethod && r.IdealSpeedup > 1.2);

        var md = File.ReadAllText(Path.Combine(dir, "bench.md"));
        foreach (var m in BenchSettings.Methods.Append(BenchJob.FullMethod)) Assert.Contains($"| {m} |", md);
        Assert.Contains("## Off settings", md);
        Assert.Contains("## Goal lines", md);
        Assert.Contains("plain Jano >= 3x at mean PSNR >= 30 dB", md);
        Assert.Contains("target_speedup 2.5: achieved", md);
    }
}
