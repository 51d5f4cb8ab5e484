using Jano.Acceleration.JanoMethod;
using Jano.Core;
using Jano.Core.Options;
using Jano.Engine.Catalog;
using Jano.Engine.Output;
using Jano.Engine.Pipelines;
using Jano.Engine.Pipelines.Dit;
using Jano.Engine.Pipelines.Flux;
using Jano.Engine.Pipelines.Wan;
using Jano.Tests.Cli;
using Jano.Tests.Wan;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Pipeline;

/// <summary>Live previews in the denoising loop: when they come, that they show the predicted clean latent x0 = x − σ·v,
/// that they change nothing and cost no timed time, that they free every tensor; and the cheap latent → RGB projections of
/// the large-VAE families.</summary>
[Collection("Sequential")]
public sealed class PipelinePreviewTests
{
    private sealed class Recorder : IProgress<GenerationProgress>
    {
        public List<GenerationProgress> Reports { get; } = [];

        public void Report(GenerationProgress value) => Reports.Add(value);

        public List<(int Step, Frame8 Preview)> Previews =>
            Reports.Where(r => r.Preview is not null).Select(r => (r.Step, r.Preview!)).ToList();
    }

    private static JanoAccelerator Jano() =>
        new(new JanoOptions().With(OptionList.Parse("warmup_steps=3,cooldown_steps=2,static_interval=4,medium_interval=2,analyze_block_size=1x2x2,t_weight=0.5,d_distance=1")));

    [Fact]
    public void Previews_come_every_n_steps_and_on_the_last_and_leave_the_output_and_levels_unchanged()
    {
        using var rig = new PipelineTestRig();
        using var plain = rig.Pipeline.Generate(PipelineTestRig.Request(), Jano());
        var silent = new Recorder();
        using (var none = rig.Pipeline.Generate(PipelineTestRig.Request(), Jano(), silent)) { }
        Assert.Empty(silent.Previews); // PreviewEvery 0: none, even with a progress sink

        var progress = new Recorder();
        using var previewed = rig.Pipeline.Generate(PipelineTestRig.Request() with { PreviewEvery = 5 }, Jano(), progress);
        Assert.Equal([5, 10, 12], progress.Previews.Select(p => p.Step));
        Assert.True(TestModels.BitEqual(plain.Latent, previewed.Latent), "a run with previews made a different latent");
        Assert.True(TestModels.BitEqual(plain.Output!, previewed.Output!), "a run with previews decoded a different output");
        Assert.Equal(plain.Steps.Select(s => (s.Level, s.TokensComputed)), previewed.Steps.Select(s => (s.Level, s.TokensComputed)));
        // The tiny model's latent is the picture: 3 frames of 8x8 side by side, 2 pixels apart.
        Assert.All(progress.Previews, p => Assert.Equal((3 * 8 + 2 * 2, 8), (p.Preview.Width, p.Preview.Height)));
    }

    [Fact]
    public void The_last_preview_is_the_final_latent_because_the_last_euler_step_lands_on_the_predicted_x0()
    {
        // Euler's last step goes to σ = 0: x_N = x + (0 − σ)·v, exactly the x0 = x − σ·v a preview shows; earlier previews
        // differ from it (a sign error in x0 would make the last one differ too).
        using var rig = new PipelineTestRig();
        var progress = new Recorder();
        using var result = rig.Pipeline.Generate(PipelineTestRig.Request(steps: 6) with { PreviewEvery = 2 }, Jano(), progress);
        var previews = progress.Previews;
        Assert.Equal([2, 4, 6], previews.Select(p => p.Step));
        var final = rig.Pipeline.Preview(result.Latent);
        Assert.True(previews[^1].Preview.PixelsEqual(final), "the last step's preview is not the final latent");
        Assert.False(previews[0].Preview.PixelsEqual(final), "the preview after step 2 already equals the final latent");
    }

    // A decoder that takes `delay` per call, so that a preview's time shows in any clock that does not pause for it.
    private sealed class SlowDecoder(TimeSpan delay) : ILatentDecoder
    {
        public int Calls { get; private set; }

        public int OutputChannels => 3;

        public int LatentChannels => TestModels.TinyConfig.InChannels;

        public (int T, int H, int W) Scale => (1, 1, 1);

        public Tensor Decode(Tensor latent)
        {
            Calls++;
            Thread.Sleep(delay);
            using var scope = NewDisposeScope();
            var x = latent.to(ScalarType.Float32, CPU);                               // [2, T, H, W]
            return torch.cat([x, x.mean([0], keepdim: true)], 0).tanh().MoveToOuterDisposeScope(); // [3, T, H, W]
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public void A_previews_time_is_left_out_of_the_step_and_run_timings()
    {
        var delay = TimeSpan.FromMilliseconds(400);
        var model = TestModels.TinyDit();
        var decoder = new SlowDecoder(delay);
        using var pipeline = new DitPipeline(model, new ClassLabelEncoder(FashionMnistClasses.Names, FashionMnistClasses.Lookup, model.NullClass, CPU),
            decoder, PipelineTestRig.Defaults, "random (seed 7)");
        var progress = new Recorder();
        using var result = pipeline.Generate(PipelineTestRig.Request(steps: 4) with { PreviewEvery = 1 }, new Jano.Core.Acceleration.NoAccelerator(), progress);
        Assert.Equal(4, progress.Previews.Count);
        Assert.Equal(5, decoder.Calls); // four previews and the output
        // Four previews slept 1.6 s inside the loop; the tiny model's steps take milliseconds.
        Assert.True(result.LatencySeconds < 0.8, $"latency {result.LatencySeconds:F3} s includes the previews' time");
        Assert.All(result.Steps, s => Assert.True(s.Seconds < delay.TotalSeconds, $"step {s.Index} took {s.Seconds:F3} s"));
        var denoise = progress.Reports.Where(r => r.Stage == GenerationStage.Denoise).ToArray();
        Assert.True(denoise[^1].Elapsed < TimeSpan.FromSeconds(0.8), $"elapsed {denoise[^1].Elapsed} includes the previews' time");
    }

    [Fact]
    public void Previews_leave_no_tensor_behind_and_a_negative_interval_is_refused()
    {
        using var rig = new PipelineTestRig();
        using (rig.Pipeline.Generate(PipelineTestRig.Request(steps: 6) with { PreviewEvery = 1 }, Jano(), new Recorder())) { } // lazily built tables
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var progress = new Recorder();
        using (rig.Pipeline.Generate(PipelineTestRig.Request(steps: 6) with { PreviewEvery = 1 }, Jano(), progress)) { }
        Assert.Equal(6, progress.Previews.Count);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        using (var x0 = TestModels.Randn(3, TestModels.TinyLatent))
        {
            long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            rig.Pipeline.Preview(x0);
            Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
        var e = Assert.Throws<UsageException>(() => rig.Pipeline.Resolve(PipelineTestRig.Request() with { PreviewEvery = -1 }));
        Assert.Equal("PreviewEvery (-1) must be 0 (no previews) or a positive number of steps", e.Message);
    }

    // The byte a value in [−1, 1] becomes (FrameConverter's mapping).
    private static byte Byte(float v) => (byte)Math.Round(Math.Clamp((v + 1f) / 2f, 0f, 1f) * 255f, MidpointRounding.ToEven);

    [Fact]
    public void Wan_previews_project_each_latent_cell_with_the_published_factors()
    {
        var root = CliRunner.TempDir();
        try
        {
            using var pipeline = new WanPipeline(WanTinyFolder.Create(root), CPU, ScalarType.Float32, WanModelEntry.WanDefaults);
            // Cell (frame 0, 0, 0) all zeros → the bias; cell (frame 1, 1, 0) has channel 6 = 1 → row 6 + the bias.
            using var x0 = torch.zeros(16, 2, 2, 2);
            x0[6, 1, 1, 0] = torch.tensor(1f);
            var preview = pipeline.Preview(x0);
            Assert.Equal((2 * 2 + 2, 2), (preview.Width, preview.Height)); // two latent frames of 2x2, 2 pixels apart
            Assert.Equal((Byte(-0.1835f), Byte(-0.0868f), Byte(-0.3360f)), preview.Pixel(0, 0));
            Assert.Equal((Byte(-0.3477f + -0.1835f), Byte(-0.4059f + -0.0868f), Byte(-0.2925f + -0.3360f)), preview.Pixel(4, 1));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Flux_factors_and_the_normalised_fallback_map_channels_to_colours()
    {
        using var x0 = torch.zeros(16, 1, 1, 2);
        x0[9, 0, 0, 1] = torch.tensor(1f);
        using var rgb = FluxLatentRgb.Projection.Project(x0);                           // [3, 1, 1, 2]
        Assert.Equal([3L, 1, 1, 2], rgb.shape);
        Assert.Equal([-0.0329f, -0.0718f, -0.0851f], rgb[.., 0, 0, 0].data<float>().ToArray());
        Assert.Equal([0.1008f - 0.0329f, 0.0755f - 0.0718f, -0.0421f - 0.0851f], rgb[.., 0, 0, 1].data<float>().ToArray());

        // A 4-channel latent (no fitted factors): channels 0 and 3 go to red, 1 to green, 2 to blue, each standardised.
        using var z = torch.zeros(4, 1, 1, 4);
        z[1] = torch.tensor(new float[] { -3, -1, 1, 3 }).view(1, 1, 4);
        using var fallback = FluxLatentRgb.Projection.Project(z);
        var green = fallback[1, 0, 0].data<float>().ToArray();
        Assert.True(green[0] < green[1] && green[1] < green[2] && green[2] < green[3], string.Join(", ", green));
        Assert.Equal(0f, fallback[1, 0, 0].sum().item<float>(), 5);
        Assert.All(fallback[0].data<float>().ToArray().Concat(fallback[2].data<float>().ToArray()), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void A_large_clip_is_shrunk_to_128_pixels_a_side_and_laid_out_frame_by_frame()
    {
        using var clip = torch.zeros(3, 10, 256, 512);
        clip[0, 9] = torch.tensor(1f);
        var preview = PreviewImage.Montage(clip);
        // 10 frames of 128x64 in rows of 8, 2 pixels apart.
        Assert.Equal((8 * 128 + 7 * 2, 2 * 64 + 2), (preview.Width, preview.Height));
        Assert.Equal(((byte)128, (byte)128, (byte)128), preview.Pixel(0, 0));
        Assert.Equal(((byte)255, (byte)128, (byte)128), preview.Pixel(130, 66)); // frame 9: row 1, column 1
    }
}
