using System.Text.Json;
using Jano.Core;
using Jano.Engine.Bench;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Jano.Engine.Pipelines.Flux;
using Jano.Models.Flux;
using Jano.Models.Flux.TextEncoders;
using Jano.Models.Wan.TextEncoder;
using Jano.Tests.Cli;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Flux;

/// <summary>FLUX.1's memory formula against models built on the meta device, the memory check before a generation, and the
/// timing-only bench at a tiny size (levels, schedule, cache bytes against the formula, resuming).</summary>
public sealed class FluxMemoryTimingTests : IDisposable
{
    private readonly string _root = CliRunner.TempDir();

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static long Numel(nn.Module m) => m.parameters().Sum(p => p.NumberOfElements);

    [Fact]
    public void The_parameter_formulas_equal_the_built_models()
    {
        foreach (var cfg in new[] { FluxConfig.Dev, FluxConfig.Schnell, FluxFixtures.TinyConfig, FluxFixtures.TinyConfig with { QkvBias = false, GuidanceEmbed = false } })
        {
            using var meta = new FluxModel(cfg, torch.META);
            Assert.Equal(Numel(meta), FluxMemory.Parameters(cfg));
        }
        Assert.InRange(FluxMemory.Parameters(FluxConfig.Dev), 11.8e9, 12.0e9);       // "12B"
        foreach (var t5 in new[] { T5EncoderConfig.Xxl, FluxTestFolders.T5 })
        {
            using var meta = new UmT5Encoder(t5, torch.META);
            Assert.Equal(Numel(meta), FluxMemory.T5Parameters(t5));
        }
        Assert.InRange(FluxMemory.T5Parameters(T5EncoderConfig.Xxl), 4.7e9, 4.8e9);
    }

    [Fact]
    public void The_schedule_of_the_flux_preset_at_50_steps()
    {
        // warm-up 7 + cool-down 2 full; steps 8..48: L3 every 12th, L2 every 4th otherwise, L1 the rest
        Assert.Equal(new Dictionary<string, int> { ["full"] = 9, ["L3"] = 4, ["L2"] = 7, ["L1"] = 30 }, FluxTimingJob.Schedule(50));
    }

    [Fact]
    public void Generate_refuses_a_request_that_needs_more_memory_than_allowed()
    {
        var dir = FluxTestFolders.Write(Path.Combine(_root, "f"), diffusers: false);
        var e = Assert.Throws<UsageException>(() => GenerateJob.Prepare(new GenerateOptions
        {
            Prompt = "x", Model = dir, OutDir = Path.Combine(_root, "o"), Steps = 2, Size = (4096, 4096), Frames = 1, MaxMemoryGiB = 1.0 / 1024,
        }, new ModelCatalog(Path.Combine(_root, "assets"))).Dispose());
        Assert.Contains("--max-memory", e.Message);
        Assert.Contains("VAE decode", e.Message);
    }

    private FluxTimingOptions Tiny(bool resume = false) => new()
    {
        Model = "flux-tiny",
        Config = FluxFixtures.TinyConfig,
        DoubleBlocks = 1,
        SingleBlocks = 1,
        LatentShape = [16, 1, 8, 8],
        LevelFractions = [0.5, 0.25, 0.25],
        DType = ScalarType.Float32,
        Resume = resume,
        OutDir = Path.Combine(_root, "timing"),
    };

    [Fact]
    public void Timing_bench_reports_levels_schedule_memory_and_cache_bytes_equal_to_the_formula()
    {
        var lines = new List<string>();
        var r = FluxTimingJob.Run(Tiny(), lines.Add);
        Assert.Equal(16, r.ImageTokens);
        Assert.Equal(FluxFixtures.TinyConfig.T5MaxLength, r.TextTokens);
        Assert.Equal((1, 1), (r.DoubleBlocks, r.SingleBlocks));
        Assert.Equal(new Dictionary<string, int> { ["full"] = 16, ["L3"] = 16, ["L2"] = 8, ["L1"] = 4 }, r.Rows);
        Assert.All(r.Samples.Values, s => Assert.Equal(3, s.Length));
        Assert.Equal(1.0, r.Relative["full"]);
        Assert.Equal(FluxTimingJob.Schedule(50), r.Schedule);
        Assert.Equal(r.Schedule.Sum(kv => kv.Value * r.Relative[kv.Key]) / 50, r.ScheduleRatio, 12);
        using (var built = new FluxModel(Tiny().Truncated, torch.META)) Assert.Equal(Numel(built), r.Parameters);
        Assert.Equal(FluxMemory.Parameters(FluxFixtures.TinyConfig), r.FullModelParameters);
        Assert.True(r.PeakRssBytes >= r.PeakRssAfterLoadBytes && r.PeakRssAfterLoadBytes > 0);
        // one row: K and V of the 12 frozen image tokens in both layers, fp32, plus the output buffer [16 tokens, 64]
        long frozen = 2L * 12 * 2 * FluxFixtures.TinyConfig.HiddenSize * 4, output = 16L * 64 * 4;
        Assert.Equal(frozen + output, r.CacheFormulaBytes["run"]);
        Assert.Equal(r.CacheFormulaBytes["run"], r.CacheBytes);
        Assert.Equal(frozen / 2 * FluxFixtures.TinyConfig.TotalBlocks + output, r.CacheFormulaBytes["full_model"]);
        Assert.Empty(r.ResumedLevels);
        Assert.True(File.Exists(Path.Combine(Tiny().OutDir, "timing.json")));
        Assert.Equal(4, lines.Count(l => l.Contains("median", StringComparison.Ordinal)));
    }

    [Fact]
    public void Timing_bench_resumes_finished_levels_and_refuses_a_partial_file_of_other_settings()
    {
        var first = FluxTimingJob.Run(Tiny());
        string partial = Path.Combine(Tiny().OutDir, FluxTimingJob.PartialFile);
        // drop L2 and L1 from the progress file, as if the run had stopped after L3
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(partial))!.AsObject();
        foreach (var level in new[] { "L2", "L1" })
        {
            node["Samples"]!.AsObject().Remove(level);
            node["Rows"]!.AsObject().Remove(level);
        }
        File.WriteAllText(partial, node.ToJsonString());
        var resumed = FluxTimingJob.Run(Tiny(resume: true));
        Assert.Equal(["full", "L3"], resumed.ResumedLevels);
        Assert.Equal(first.Samples["full"], resumed.Samples["full"]);
        Assert.Equal(first.Rows, resumed.Rows);
        Assert.Equal(first.CacheBytes, resumed.CacheBytes);                  // L3 refilled the cache before L2 and L1

        var e = Assert.Throws<UsageException>(() => FluxTimingJob.Run(Tiny(resume: true) with { Forwards = 4 }));
        Assert.Contains("other settings", e.Message);
    }

    [Fact]
    public void Bench_command_takes_flux_timing_options()
    {
        var r = CliRunner.Run("bench", "--timing-only", "--random-weights", "--model", "flux.1-dev", "--level-fractions", "0.5,0.25,0.25",
            "--double-blocks", "0", "--out", Path.Combine(_root, "b"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--double-blocks (0)", r.LastErrorLine);
        r = CliRunner.Run("bench", "--timing-only", "--random-weights", "--model", "fmnist-image", "--level-fractions", "0.5,0.25,0.25", "--out", Path.Combine(_root, "b"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("flux.1-dev", r.LastErrorLine);
    }
}
