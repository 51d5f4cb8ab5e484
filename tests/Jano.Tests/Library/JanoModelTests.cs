using Jano.Core;
using Xunit;

namespace Jano.Tests.Library;

/// <summary>The entry point's contract: defaults, progress per step with levels, cancellation, one-line errors.</summary>
[Collection("Sequential")]
public sealed class JanoModelTests
{
    [Fact]
    public void Defaults_catalog_and_accelerators_are_the_models()
    {
        using var model = JanoModel.Load("fmnist-video");
        var info = model.Info;
        Assert.Equal("fmnist-video", model.Name);
        Assert.Equal((32, 32, 8, 30, 3.0), (info.Width, info.Height, info.Frames, info.Steps, info.Guidance));
        Assert.True(info.IsVideo);
        Assert.True(info.HasWeights);
        Assert.EndsWith(Path.Combine("models", "fmnist-video", "model.safetensors"), model.WeightsSource, StringComparison.Ordinal);
        Assert.Contains("sneaker", info.Prompts!);
        Assert.Contains("static_interval=10", info.JanoPreset, StringComparison.Ordinal);
        Assert.Equal(["fmnist-image", "fmnist-video", "scenes-video", "wan2.1-t2v-1.3b", "wan2.1-t2v-14b", "flux.1-dev", "flux.1-schnell"], JanoModel.CatalogNames);
        Assert.Contains(JanoModel.Accelerators, a => a.Name == "jano" && a.Description.Length > 0);
        Assert.Contains(JanoModel.Accelerators, a => a.Name == "teacache");
        // Resolved options: Jano's defaults under the model's preset under the caller's options.
        var options = model.AcceleratorOptions("jano", "static_thresh=0.25").ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal("0.25", options["static_thresh"]);
        Assert.Equal("10", options["static_interval"]);
        Assert.Equal("2x4x4", options["analyze_block_size"]);
    }

    [Fact]
    public void An_explicit_assets_folder_without_weights_means_seeded_random_weights()
    {
        var empty = Path.Combine(Path.GetTempPath(), "jano-no-assets-" + Guid.NewGuid().ToString("N"));
        using var model = JanoModel.Load("fmnist-image", new JanoLoadOptions { AssetsPath = empty });
        Assert.Equal("random (seed 1234)", model.WeightsSource);
        Assert.False(model.Info.HasWeights);
        Assert.Equal(Path.GetFullPath(empty), JanoModel.ResolveAssets(new JanoLoadOptions { AssetsPath = empty }));
    }

    [Fact]
    public async Task Progress_reports_every_step_with_its_level_and_tokens()
    {
        using var model = JanoModel.Load("fmnist-image");
        var reports = new List<JanoProgress>();
        var request = new JanoRequest("Sneaker")
        {
            Accelerator = "jano", Steps = 10, Seed = 3,
            AcceleratorOptions = "warmup_steps=2,cooldown_steps=1,static_interval=3,medium_interval=2,static_thresh=0.3",
        };
        using var result = await model.GenerateAsync(request, new SyncProgress<JanoProgress>(reports.Add));
        var steps = reports.Where(p => p.Phase == "jano 1/1").ToList();
        Assert.Equal(Enumerable.Range(0, 11), steps.Select(p => p.Step));
        Assert.All(steps, p => Assert.Equal(10, p.Steps));
        Assert.Null(steps[0].Level);
        // The levels and tokens the progress carried are the report's, step for step.
        Assert.Equal(result.Report.StepLevels, steps.Skip(1).Select(p => p.Level!));
        Assert.Equal(result.Report.TokensPerStep, steps.Skip(1).Select(p => p.TokensComputed!.Value));
        Assert.Equal(["full", "full", "L3", "L1", "L2", "L3", "L2", "L1", "L3", "full"], result.Report.StepLevels);
        Assert.True(steps.Zip(steps.Skip(1)).All(p => p.First.Elapsed <= p.Second.Elapsed));
        Assert.InRange(result.ComputedTokenFraction, 0.0, 0.999);
        Assert.Null(result.Speedup);
        Assert.Null(result.BaselineFrames);
    }

    [Fact]
    public async Task Compare_runs_warm_up_full_and_accelerated_and_reports_the_metrics()
    {
        using var model = JanoModel.Load("fmnist-image");
        var phases = new List<string>();
        using var result = await model.GenerateAsync(new JanoRequest("coat") { Accelerator = "teacache", Compare = true, Steps = 8 },
            new SyncProgress<JanoProgress>(p => phases.Add(p.Phase)));
        Assert.Equal(["encode", "warm-up", "full 1/1", "teacache 1/1", "decode"], phases.Distinct().ToArray());
        Assert.NotNull(result.BaselineFrames);
        Assert.NotNull(result.BaselineLatent);
        Assert.True(result.Speedup > 0);
        Assert.Equal(result.Report.BaselineLatencySeconds!.Value / result.LatencySeconds, result.Speedup!.Value, 9);
        Assert.True(result.Report.Identical == true || result.Psnr > 10);
        Assert.InRange(result.Ssim!.Value, -1.0, 1.0);
    }

    [Fact]
    public async Task Cancellation_stops_between_steps()
    {
        using var model = JanoModel.Load("fmnist-image");
        using var cts = new CancellationTokenSource();
        int last = 0;
        var progress = new SyncProgress<JanoProgress>(p =>
        {
            last = p.Step;
            if (p.Step == 2) cts.Cancel();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => model.GenerateAsync(new JanoRequest("bag") { Steps = 20 }, progress, cts.Token));
        Assert.Equal(2, last);
        // The model stays usable after a cancelled call.
        using var result = await model.GenerateAsync(new JanoRequest("bag") { Steps = 2 });
        Assert.Single(result.Frames);
    }

    [Theory]
    [InlineData("unknown prompt 'cat'", "cat", "none", null)]
    [InlineData("unknown accelerator 'fast'", "bag", "fast", null)]
    [InlineData("unknown option 'bogus' for jano", "bag", "jano", "bogus=1")]
    [InlineData("invalid value 'x' for static_thresh", "bag", "jano", "static_thresh=x")]
    public void Bad_input_is_one_argument_exception_naming_it_before_any_compute(string message, string prompt, string accel, string? options)
    {
        using var model = JanoModel.Load("fmnist-image");
        var reports = 0;
        var e = Assert.Throws<UsageException>(() => model.Generate(new JanoRequest(prompt) { Accelerator = accel, AcceleratorOptions = options },
            new SyncProgress<JanoProgress>(_ => reports++)));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(0, reports);
    }

    [Fact]
    public void Bad_sizes_steps_models_and_devices_are_argument_exceptions()
    {
        Assert.Contains("unknown model 'nope'", Assert.Throws<UsageException>(() => JanoModel.Load("nope")).Message, StringComparison.Ordinal);
        Assert.Contains("unknown device 'tpu'", Assert.Throws<UsageException>(() => JanoModel.Load("fmnist-image", new JanoLoadOptions { Device = "tpu" })).Message, StringComparison.Ordinal);
        using var model = JanoModel.Load("fmnist-image");
        Assert.Contains("not a multiple of the model's patch", Assert.Throws<UsageException>(() => model.Generate(new JanoRequest("bag") { Width = 30, Height = 30 })).Message, StringComparison.Ordinal);
        Assert.Contains("give both width and height", Assert.Throws<UsageException>(() => model.Generate(new JanoRequest("bag") { Width = 32 })).Message, StringComparison.Ordinal);
        Assert.Contains("--steps (0) must be between 1 and", Assert.Throws<UsageException>(() => model.Generate(new JanoRequest("bag") { Steps = 0 })).Message, StringComparison.Ordinal);
        Assert.Contains("must be less than steps (5)", Assert.Throws<UsageException>(() => model.Generate(new JanoRequest("bag") { Accelerator = "jano", Steps = 5 })).Message, StringComparison.Ordinal);
        Assert.Contains("unknown sampler 'ddim'", Assert.Throws<UsageException>(() => model.Generate(new JanoRequest("bag") { Sampler = "ddim" })).Message, StringComparison.Ordinal);
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.Generate(new JanoRequest("bag")));
    }
}
