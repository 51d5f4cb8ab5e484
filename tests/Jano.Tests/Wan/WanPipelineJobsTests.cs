using System.Globalization;
using System.Text.Json;
using Jano.Engine.Bench;
using Jano.Engine.Calibration;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Jano.Engine.Pipelines;
using Jano.Engine.Pipelines.Wan;
using Jano.Tests.Bench;
using Jano.Tests.Cli;
using Xunit;

namespace Jano.Tests.Wan;

/// <summary>
/// <c>bench</c>, <c>calibrate</c> and the Section-3 study run on the tiny random Wan folder through the same pipeline
/// contract as the Fashion-MNIST models (tiny sizes, few steps): their outputs are checked field by field.
/// </summary>
[Collection("Sequential")]
public sealed class WanPipelineJobsTests : IDisposable
{
    private readonly string _root = CliRunner.TempDir();

    // 32x32, 5 frames → latent [16, 2, 4, 4], 2x2x2 = 8 tokens; 8 analysis blocks of 1x2x2 latent cells.
    private static ModelEntry TinyEntry(string dir) => WanModelEntry.FromFolder(dir) with
    {
        Defaults = WanModelEntry.WanDefaults with { Width = 32, Height = 32, Frames = 5, Steps = 10 },
        JanoPreset = "warmup_steps=2,cooldown_steps=1,analyze_block_size=1x2x2,t_weight=0.5,d_distance=1",
    };

    [Fact]
    public void Bench_runs_every_catalog_method_on_the_tiny_wan_folder_with_identical_off_settings()
    {
        var dir = WanTinyFolder.Create(_root);
        var outDir = Path.Combine(_root, "bench");
        var records = BenchJob.Execute(new BenchOptions { Entry = TinyEntry(dir), OutDir = outDir, Prompts = 1, Seeds = 1, Steps = 10, Threads = 1 },
            new ModelCatalog(Path.Combine(_root, "no-assets")));
        BenchTinyTests.AssertComplete(records, outDir, steps: 10);
        Assert.All(records, r => Assert.Equal(WanModelEntry.CustomName, r.Model));
        Assert.All(records, r => Assert.Equal(Path.GetFullPath(dir), r.Weights));
        Assert.All(records, r => Assert.Equal(WanModelEntry.Prompts[0], r.Prompt));
        // Jano levels tokens on the Wan latent too
        Assert.Contains(records, r => r.Method == "jano" && r.StepLevels.Contains("L1"));
    }

    [Fact]
    public void Calibrate_fits_the_tiny_wan_folder_and_generate_picks_the_file_up()
    {
        var dir = WanTinyFolder.Create(_root);
        var entry = TinyEntry(dir);
        var c = CalibrateJob.Execute(new CalibrateOptions { Entry = entry, Prompts = 3, JanoPrompts = 1, Steps = 10, Threads = 1 },
            new ModelCatalog(Path.Combine(_root, "no-assets")));
        var path = Path.Combine(Path.GetFullPath(dir), "calibration.json");
        Assert.Equal(path, entry.CalibrationPath);
        Assert.True(File.Exists(path));
        Assert.Equal(WanModelEntry.CustomName, c.Model);
        Assert.Equal(WanModelEntry.Prompts.Take(3).Select((_, i) => WanModelEntry.Prompts[i * 10 / 3]), c.Prompts);
        Assert.Equal(3 * 2 * 9, c.TeaCachePoints.Length);            // 3 prompts x 2 branches x (steps - 1)
        Assert.All(c.TeaCachePoints, p => Assert.True(double.IsFinite(p[0]) && double.IsFinite(p[1]) && p[0] >= 0 && p[1] >= 0));
        Assert.Equal(10, c.MagRatios.Length);
        Assert.Equal(1.0, c.MagRatios[0]);
        Assert.All(c.MagRatios, r => Assert.True(double.IsFinite(r) && r > 0));
        Assert.Equal(CalibrateJob.JanoPairs.Count, c.JanoRows.Length);
        Assert.All(c.JanoRows, r => Assert.True(r.Skipped is >= 0 and <= 1 && double.IsFinite(r.Psnr)));
        var coefficients = c.Options["teacache"]["coefficients=".Length..].Split(';').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(coefficients, PolynomialFit.Fit(c.TeaCachePoints.Select(p => p[0]).ToArray(), c.TeaCachePoints.Select(p => p[1]).ToArray(), coefficients.Length - 1));

        // the folder's entry now carries the calibration: `jano generate --model DIR --accel teacache` uses the fitted coefficients
        var outDir = Path.Combine(_root, "gen");
        var r = CliRunner.Run("generate", "--model", dir, "--prompt", "a red fox runs", "--steps", "4", "--size", "32x32", "--frames", "5",
            "--threads", "1", "--accel", "teacache", "--out", outDir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "report.json")));
        Assert.Equal(c.Options["teacache"]["coefficients=".Length..], doc.RootElement.GetProperty("options").GetProperty("coefficients").GetString());
    }

    [Fact]
    public void Study_on_the_tiny_wan_folder_reports_finite_spearman_and_accuracy_per_warmup_length()
    {
        var dir = WanTinyFolder.Create(_root);
        var outDir = Path.Combine(_root, "study");
        var result = StudyJob.Run(new StudyOptions { Entry = TinyEntry(dir), Prompts = 3, SamplesPerPrompt = 2, Steps = 8, Threads = 1, OutDir = outDir },
            new ModelCatalog(Path.Combine(_root, "no-assets")));
        Assert.Equal(6, result.Generations);
        Assert.Equal(8, result.Blocks);
        Assert.Equal(3, result.Prompts.Length);
        Assert.Equal(6, result.SpearmanPerGeneration.Length);
        Assert.True(double.IsFinite(result.Spearman), $"spearman {result.Spearman}");
        Assert.InRange(result.Spearman, -1, 1);
        Assert.True(double.IsFinite(result.SpearmanPooled));
        Assert.InRange(result.SpearmanPooled, -1, 1);
        Assert.Equal(Enumerable.Range(1, 4), result.Recognition.Select(r => r.WarmupSteps));
        Assert.All(result.Recognition, r =>
        {
            Assert.True(double.IsFinite(r.AnalyzerAccuracy) && double.IsFinite(r.FftAccuracy));
            Assert.InRange(r.AnalyzerAccuracy, 0, 1);
            Assert.InRange(r.FftAccuracy, 0, 1);
        });
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "study.json")));
        var root = doc.RootElement;
        Assert.Equal(WanModelEntry.CustomName, root.GetProperty("model").GetString());
        Assert.True(double.IsFinite(root.GetProperty("spearman").GetDouble()));
        Assert.Equal(4, root.GetProperty("recognition").GetArrayLength());
        foreach (var row in root.GetProperty("recognition").EnumerateArray())
        {
            Assert.True(double.IsFinite(row.GetProperty("analyzer_accuracy").GetDouble()));
            Assert.True(double.IsFinite(row.GetProperty("fft_accuracy").GetDouble()));
        }
    }

    [Fact]
    public void Pipeline_runs_the_three_stages_and_batched_branches_agree_with_sequential()
    {
        var dir = WanTinyFolder.Create(_root);
        using var pipeline = TinyEntry(dir).CreatePipeline(LoadOptions.CpuFloat32);
        var wan = Assert.IsType<WanPipeline>(pipeline);
        var defaults = pipeline.Resolve(new GenerationRequest { Prompt = "a red fox runs" });
        Assert.False(defaults.BatchBranches);                                    // Wan runs one forward per branch by default
        Assert.Equal("unipc", defaults.Sampler);
        Assert.Equal(WanPipeline.DefaultNegativePrompt, defaults.NegativePrompt);
        var sequential = pipeline.Resolve(new GenerationRequest { Prompt = "a red fox runs", NegativePrompt = "x", Steps = 4 });
        Assert.Equal([16L, 2, 4, 4], sequential.LatentShape);
        var progress = new List<GenerationStage>();
        var report = new SyncReports(p => progress.Add(p.Stage));
        using var condition = pipeline.EncodeCondition(sequential, report);
        Assert.Null(wan.Model);                                                  // the DiT loads after the encoder is gone
        Assert.NotEqual(condition.Cond.shape[1], condition.Uncond!.shape[1]);    // trimmed texts of different lengths
        using var a = pipeline.Denoise(sequential, condition, new Jano.Core.Acceleration.NoAccelerator(), report);
        Assert.NotNull(wan.Model);
        using var b = pipeline.Denoise(sequential with { BatchBranches = true }, condition, new Jano.Core.Acceleration.NoAccelerator());
        Assert.True(TestModels.MaxAbsDiff(a.Latent, b.Latent) < 1e-4, $"batched vs sequential {TestModels.MaxAbsDiff(a.Latent, b.Latent)}");
        using var frames = pipeline.Decode(a.Latent, report);
        Assert.Equal([3L, 5, 32, 32], frames.shape);
        Assert.Equal([GenerationStage.Encode, GenerationStage.Load, .. Enumerable.Repeat(GenerationStage.Denoise, 4), GenerationStage.Decode], progress);
    }

    private sealed class SyncReports(Action<GenerationProgress> report) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value) => report(value);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
