using Jano.Core;
using Jano.Acceleration.JanoMethod;
using Jano.Acceleration.TeaCache;
using Jano.Core.Acceleration;
using Jano.Core.Options;
using Jano.Engine.Catalog;
using Jano.Engine.Pipelines;
using Jano.Engine.Pipelines.Dit;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Pipeline;

/// <summary>The pipeline contract on the tiny DiT: request resolution, the three stages, progress, cancellation, samplers,
/// and a latent decoder plugged into the DiT pipeline.</summary>
[Collection("Sequential")]
public class PipelineContractTests
{
    private sealed class Recorder : IProgress<GenerationProgress>
    {
        public List<GenerationProgress> Reports { get; } = [];

        public Action<GenerationProgress>? OnReport { get; init; }

        public void Report(GenerationProgress value)
        {
            Reports.Add(value);
            OnReport?.Invoke(value);
        }
    }

    private static JanoAccelerator Jano() =>
        new(new JanoOptions().With(OptionList.Parse("warmup_steps=3,cooldown_steps=2,static_interval=4,medium_interval=2,analyze_block_size=1x2x2,t_weight=0.5,d_distance=1")));

    [Fact]
    public void ProgressReportsEveryStageAndStepWithItsPhaseLevelAndTokens()
    {
        using var rig = new PipelineTestRig();
        var progress = new Recorder();
        using var r = rig.Pipeline.Generate(PipelineTestRig.Request(), Jano(), progress);
        var stages = progress.Reports.Select(p => p.Stage).ToArray();
        Assert.Equal(GenerationStage.Encode, stages[0]);
        Assert.Equal(GenerationStage.Decode, stages[^1]);
        var steps = progress.Reports.Where(p => p.Stage == GenerationStage.Denoise).ToArray();
        Assert.Equal(Enumerable.Range(1, 12), steps.Select(p => p.Step));
        Assert.All(steps, p => Assert.Equal(12, p.Steps));
        Assert.All(steps, p => Assert.Equal("jano", p.Run));
        Assert.Equal(Enumerable.Repeat("warm-up", 3).Concat(Enumerable.Repeat("interleaved", 7)).Concat(Enumerable.Repeat("cool-down", 2)),
            steps.Select(p => p.Phase));
        Assert.Equal(r.Steps.Select(s => s.Level), steps.Select(p => p.Level));
        Assert.Equal(r.Steps.Select(s => s.TokensComputed), steps.Select(p => p.TokensComputed));
        Assert.Equal("analysis", steps[2].Note);
        Assert.Contains(steps, p => p.Level == "L1");
        for (int i = 1; i < steps.Length; i++) Assert.True(steps[i].Elapsed >= steps[i - 1].Elapsed);

        // without warm-up/cool-down options the phase is the accelerator's label of the step
        var plain = new Recorder();
        using (rig.Pipeline.Generate(PipelineTestRig.Request(steps: 4), null, plain)) { }
        Assert.All(plain.Reports.Where(p => p.Stage == GenerationStage.Denoise), p => Assert.Equal(("full", "full", "none"), (p.Phase, p.Level, p.Run)));
        var tea = new Recorder();
        var teacache = new TeaCacheAccelerator(new TeaCacheOptions().With(OptionList.Parse("rel_l1_thresh=0.5,warmup_steps=1,cooldown_steps=1")));
        using (rig.Pipeline.Generate(PipelineTestRig.Request(steps: 6), teacache, tea)) { }
        var phases = tea.Reports.Where(p => p.Stage == GenerationStage.Denoise).Select(p => (p.Phase, p.Level)).ToArray();
        Assert.Equal("warm-up", phases[0].Phase);
        Assert.Equal("cool-down", phases[^1].Phase);
        Assert.All(phases[1..^1], p => Assert.Equal(p.Level, p.Phase));
    }

    [Fact]
    public void CancellationStopsBeforeTheNextStepAndLeaksNoTensor()
    {
        using var rig = new PipelineTestRig();
        using (rig.Pipeline.Generate(PipelineTestRig.Request(steps: 6), Jano())) { } // lazily built tables
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using var cts = new CancellationTokenSource();
        var progress = new Recorder { OnReport = p => { if (p.Stage == GenerationStage.Denoise && p.Step == 4) cts.Cancel(); } };
        Assert.ThrowsAny<OperationCanceledException>(() => rig.Pipeline.Generate(PipelineTestRig.Request(), Jano(), progress, cts.Token));
        Assert.Equal(4, progress.Reports.Count(p => p.Stage == GenerationStage.Denoise));
        Assert.DoesNotContain(progress.Reports, p => p.Stage == GenerationStage.Decode);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void ResolveFillsTheModelsDefaultsAndRejectsBadInputWithOneLine()
    {
        using var rig = new PipelineTestRig();
        var p = rig.Pipeline;
        var s = p.Resolve(new GenerationRequest { Prompt = "bag" });
        Assert.Equal((12, 3.0, 1.5, "euler", 8, 8, 3, true, true), (s.Steps, s.Guidance, s.Shift, s.Sampler, s.Width, s.Height, s.Frames, s.BatchBranches, s.Cfg));
        Assert.Equal(TestModels.TinyLatent, s.LatentShape);
        Assert.Null(s.NegativePrompt);
        Assert.False(p.Resolve(new GenerationRequest { Prompt = "bag", Guidance = 1.0 }).Cfg);
        Assert.Equal([2L, 4, 4, 8], p.Resolve(new GenerationRequest { Prompt = "bag", Frames = 4, Width = 8, Height = 4 }).LatentShape);
        string Error(GenerationRequest r) => Assert.Throws<UsageException>(() => p.Resolve(r)).Message;
        Assert.Equal("--steps (0) must be at least 1", Error(new GenerationRequest { Prompt = "bag", Steps = 0 }));
        Assert.Equal("--guidance (0.5) must be at least 1", Error(new GenerationRequest { Prompt = "bag", Guidance = 0.5 }));
        Assert.Equal("--shift (0) must be positive", Error(new GenerationRequest { Prompt = "bag", Shift = 0 }));
        Assert.Equal("unknown sampler 'ddim'; available: unipc, euler", Error(new GenerationRequest { Prompt = "bag", Sampler = "ddim" }));
        Assert.Equal("size 9x8 with 3 frames is not a multiple of the model's patch (1x2x2)", Error(new GenerationRequest { Prompt = "bag", Width = 9 }));
        Assert.StartsWith("unknown prompt 'cat'; valid prompts: t-shirt/top", Error(new GenerationRequest { Prompt = "cat" }));
        Assert.StartsWith("this class-conditional model has no negative prompts", Error(new GenerationRequest { Prompt = "bag", NegativePrompt = "blur" }));
        // the accelerator is checked against the resolved run before any compute
        var bad = new JanoAccelerator(new JanoOptions().With(OptionList.Parse("warmup_steps=3,cooldown_steps=2")));
        Assert.Contains("must be less than steps (5)", Assert.Throws<UsageException>(() =>
            p.CheckAccelerator(p.Resolve(new GenerationRequest { Prompt = "bag", Steps = 5 }), bad)).Message);
    }

    [Fact]
    public void StagesRunSeparatelyAndAConditionServesManyRunsOfItsPromptOnly()
    {
        using var rig = new PipelineTestRig();
        var p = rig.Pipeline;
        var s = p.Resolve(PipelineTestRig.Request(steps: 5));
        using var condition = p.EncodeCondition(s);
        using var a = p.Denoise(s, condition, new NoAccelerator());
        using var b = p.Denoise(s with { Seed = 7 }, condition, new NoAccelerator());
        using var once = p.Generate(PipelineTestRig.Request(steps: 5));
        Assert.True(TestModels.BitEqual(a.Latent, once.Latent));
        Assert.False(TestModels.BitEqual(a.Latent, b.Latent));
        Assert.Null(a.Output);
        using var decoded = p.Decode(a.Latent);
        Assert.True(TestModels.BitEqual(decoded, once.Output!));     // pixel space: the decode is the latent itself
        Assert.Equal(s, a.Settings);
        var other = p.Resolve(new GenerationRequest { Prompt = "bag", Steps = 5 });
        Assert.Contains("encoded for prompt 'sneaker'", Assert.Throws<ArgumentException>(() => p.Denoise(other, condition, new NoAccelerator())).Message);
    }

    [Fact]
    public void EulerAndUniPcBothRunOnTheDitAndDiffer()
    {
        using var rig = new PipelineTestRig();
        using var euler = rig.Pipeline.Generate(PipelineTestRig.Request(steps: 6));
        using var uni = rig.Pipeline.Generate(PipelineTestRig.Request(steps: 6) with { Sampler = "unipc" });
        using var again = rig.Pipeline.Generate(PipelineTestRig.Request(steps: 6) with { Sampler = "unipc" });
        Assert.Equal("unipc", uni.Settings.Sampler);
        Assert.True(TestModels.BitEqual(uni.Latent, again.Latent));
        Assert.False(TestModels.BitEqual(euler.Latent, uni.Latent));
        Assert.True(TestModels.MaxAbsDiff(euler.Latent, uni.Latent) < 5.0);
    }

    // A latent decoder: 2 latent channels → 3 output channels, 2x nearest-neighbour upsampling in space.
    private sealed class UpsamplingDecoder : ILatentDecoder
    {
        public int Calls { get; private set; }

        public int OutputChannels => 3;

        public int LatentChannels => 2;

        public (int T, int H, int W) Scale => (1, 2, 2);

        public Tensor Decode(Tensor latent)
        {
            Calls++;
            using var scope = NewDisposeScope();
            var x = latent.to(ScalarType.Float32, CPU);                                       // [2, T, h, w]
            var rgb = torch.cat([x, x.mean([0], keepdim: true)], 0);                         // [3, T, h, w]
            var up = rgb.repeat_interleave(2, 2).repeat_interleave(2, 3);                    // [3, T, 2h, 2w]
            return up.tanh().MoveToOuterDisposeScope();
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public void ALatentDecoderPlugsIntoTheDitPipeline()
    {
        var model = TestModels.TinyDit();
        var decoder = new UpsamplingDecoder();
        using var pipeline = new DitPipeline(model, new ClassLabelEncoder(FashionMnistClasses.Names, FashionMnistClasses.Lookup, model.NullClass, CPU),
            decoder, PipelineTestRig.Defaults with { Width = 16, Height = 16 }, "random");
        var s = pipeline.Resolve(new GenerationRequest { Prompt = "bag", Steps = 4 });
        Assert.Equal(TestModels.TinyLatent, s.LatentShape);                 // [2, 3, 8, 8] latent for 16x16 frames
        Assert.Equal((1, 4, 4), pipeline.PixelsPerToken);
        Assert.Equal(3, pipeline.OutputChannels);
        using var r = pipeline.Generate(new GenerationRequest { Prompt = "bag", Steps = 4 }, Jano2());
        Assert.Equal([3L, 3, 16, 16], r.Output!.shape);
        Assert.Equal(1, decoder.Calls);
        Assert.Equal("size 18x16 with 3 frames is not a multiple of the model's patch x decoder scale (1x4x4)",
            Assert.Throws<UsageException>(() => pipeline.Resolve(new GenerationRequest { Prompt = "bag", Width = 18 })).Message);

        static JanoAccelerator Jano2() =>
            new(new JanoOptions().With(OptionList.Parse("warmup_steps=1,cooldown_steps=1,static_interval=2,medium_interval=1,analyze_block_size=1x2x2")));
    }
}
