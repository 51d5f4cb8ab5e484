using Jano.Core;
using Jano.Core.Weights;
using Jano.Models.Dit;
using Jano.Models.FrameAutoencoder;
using Jano.Training;
using Jano.Training.Scenes;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Training;

public class ResumeTests
{
    /// <summary>Seeded Gaussian latents of the tiny DiT's shape with a random label.</summary>
    private sealed class NoiseSource : ISampleSource
    {
        public long[] Shape => TestModels.TinyLatent;

        public int NextSample(Random rng, Span<float> destination)
        {
            for (int i = 0; i < destination.Length; i++) destination[i] = (float)(rng.NextDouble() * 2 - 1);
            return rng.Next(10);
        }
    }

    /// <summary>Latents that are all NaN: every gradient is non-finite.</summary>
    private sealed class NaNSource : ISampleSource
    {
        public long[] Shape => TestModels.TinyLatent;

        public int NextSample(Random rng, Span<float> destination)
        {
            destination.Fill(float.NaN);
            return rng.Next(10);
        }
    }

    [Fact]
    public void DitStepWithNonFiniteGradientChangesNothing()
    {
        var path = TempFile();
        try
        {
            using var model = TestModels.TinyDit(5);
            var before = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
            var options = new TrainOptions { BatchSize = 2, MaxSteps = 2, WarmupSteps = 1, CompactCheckpoints = true };
            using var trainer = new FlowTrainer(model, new NaNSource(), options);
            trainer.Train(path);
            Assert.Equal(2, trainer.Step);
            Assert.Equal(2, trainer.SkippedSteps);
            Assert.True(double.IsNaN(trainer.LossEma), "no finite loss was seen");
            foreach (var (name, p) in model.named_parameters()) Assert.True(TestModels.BitEqual(p, before[name]), name);
            foreach (var t in before.Values) t.Dispose();
        }
        finally
        {
            if (File.Exists(path)) File.Delete(path);
        }
    }

    private static string TempFile() => Path.Combine(Path.GetTempPath(), $"jano-resume-{Guid.NewGuid():N}.safetensors");

    [Fact]
    public void CompactDitCheckpointRestoresWeightsAndEmaBitIdentically()
    {
        string path = TempFile(), emaA = TempFile(), emaB = TempFile();
        try
        {
            var options = new TrainOptions { BatchSize = 2, MaxSteps = 2, WarmupSteps = 1, ResumeWarmupSteps = 4, CompactCheckpoints = true, LearningRate = 1e-3 };
            using var model = TestModels.TinyDit(7);
            using var trainer = new FlowTrainer(model, new NoiseSource(), options);
            trainer.Train(path);
            Assert.Equal(2, trainer.Step);
            using (var file = SafetensorsFile.Open(path))
            {
                Assert.Equal("compact", file.Metadata["format"]);
                Assert.DoesNotContain(file.Entries, e => e.Name.StartsWith("adam_", StringComparison.Ordinal));
                Assert.Equal(2 * model.parameters().Count(), file.Entries.Count);
            }
            trainer.ExportEma(emaA);

            using var fresh = TestModels.TinyDit(99);
            using var resumed = new FlowTrainer(fresh, new NoiseSource(), options);
            resumed.LoadCompact(path);
            Assert.Equal(2, resumed.Step);
            Assert.Equal(trainer.LossEma, resumed.LossEma);
            foreach (var ((name, a), (_, b)) in model.named_parameters().Zip(fresh.named_parameters()))
                Assert.True(TestModels.BitEqual(a, b), name);
            resumed.ExportEma(emaB);
            using (var fa = SafetensorsFile.Open(emaA))
            using (var fb = SafetensorsFile.Open(emaB))
                foreach (var e in fa.Entries)
                {
                    using var ta = fa.Read(e.Name);
                    using var tb = fb.Read(e.Name);
                    Assert.True(TestModels.BitEqual(ta, tb), e.Name);
                }
            // the resumed run warms the learning rate up again from its resume step: 1/4, 2/4, ... of the base rate
            Assert.Equal(1e-3 / 4, resumed.LearningRate(2), 12);
            Assert.Equal(1e-3 / 2, resumed.LearningRate(3), 12);
            Assert.Equal(1e-3, resumed.LearningRate(6), 12);
            Assert.Equal(1e-3, trainer.LearningRate(2), 12);
        }
        finally
        {
            foreach (var p in new[] { path, emaA, emaB }) if (File.Exists(p)) File.Delete(p);
        }
    }

    [Fact]
    public void AutoencoderCheckpointRestoresWeightsBitIdentically()
    {
        var path = TempFile();
        try
        {
            var cfg = new FrameAutoencoderConfig { LatentChannels = 4, Channels = [8, 16], NormGroups = 4, DecoderBlocks = 1 };
            var source = new SceneSource(TrainingTestData.TinyItems(), SceneSplit.Train, frames: 2, side: 16);
            var options = new AutoencoderTrainOptions { BatchSize = 2, CropSize = 8, MaxSteps = 1, WarmupSteps = 1, ResumeWarmupSteps = 10 };
            using var model = new FrameAutoencoderModel(cfg);
            model.InitializeWeights(1);
            using var trainer = new AutoencoderTrainer(model, source, options);
            trainer.Train(path);
            Assert.Equal(1, trainer.Step);

            using var fresh = new FrameAutoencoderModel(cfg);
            fresh.InitializeWeights(2);
            using var resumed = new AutoencoderTrainer(fresh, source, options with { MaxSteps = 100 });
            resumed.LoadCheckpoint(path);
            Assert.Equal(1, resumed.Step);
            Assert.Equal(trainer.LossEma, resumed.LossEma);
            foreach (var ((name, a), (_, b)) in model.named_parameters().Zip(fresh.named_parameters()))
                Assert.True(TestModels.BitEqual(a, b), name);
            Assert.True(resumed.LearningRate(1) < 0.2 * options.LearningRate, "warm-up after the resume");
        }
        finally
        {
            if (File.Exists(path)) File.Delete(path);
        }
    }

    [Fact]
    public void FrozenEncoderKeepsItsWeights()
    {
        var path = TempFile();
        try
        {
            var cfg = new FrameAutoencoderConfig { LatentChannels = 4, Channels = [8, 16], NormGroups = 4, DecoderBlocks = 1 };
            var source = new SceneSource(TrainingTestData.TinyItems(), SceneSplit.Train, frames: 2, side: 16);
            using var model = new FrameAutoencoderModel(cfg);
            model.InitializeWeights(4);
            var before = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
            var options = new AutoencoderTrainOptions { BatchSize = 2, CropSize = 8, MaxSteps = 2, WarmupSteps = 1, FreezeEncoder = true };
            using (var trainer = new AutoencoderTrainer(model, source, options)) trainer.Train(path);
            bool decoderMoved = false;
            foreach (var (name, p) in model.named_parameters())
            {
                if (name.StartsWith("encoder.", StringComparison.Ordinal)) Assert.True(TestModels.BitEqual(p, before[name]), name);
                else decoderMoved |= !TestModels.BitEqual(p, before[name]);
            }
            Assert.True(decoderMoved, "the decoder learns");
            foreach (var t in before.Values) t.Dispose();
        }
        finally
        {
            if (File.Exists(path)) File.Delete(path);
        }
    }

    [Fact]
    public void NonFiniteGradientMakesNoUpdate()
    {
        using var p = nn.Parameter(torch.ones(3));
        using var opt = new CompactAdamW([("p", p)], (_, _) => false, withEma: true);
        using (var loss = p.mul(torch.tensor(new[] { 1f, float.NaN, 2f })).sum()) loss.backward();
        Assert.True(double.IsNaN(opt.Update(0.1, 0.5)));
        Assert.Equal(0, opt.MomentSteps);
        Assert.Equal([1f, 1f, 1f], p.data<float>().ToArray());
        opt.ZeroGrad();
        using (var loss = p.mul(torch.tensor(new[] { 1f, -1f, 0f })).sum()) loss.backward();
        Assert.Equal(Math.Sqrt(2), opt.Update(0.1, 0.5), 6);
        Assert.Equal(1, opt.MomentSteps);
        var after = p.data<float>().ToArray();
        Assert.True(after[0] < 1f && after[1] > 1f);
        Assert.Equal(1f, after[2]);
        opt.RestartMoments();
        Assert.Equal(0, opt.MomentSteps);
    }

    [Fact]
    public void DecayStepsRampTheRateLinearlyToZeroAtMaxSteps()
    {
        var options = new TrainOptions { LearningRate = 1e-3, WarmupSteps = 1, MaxSteps = 100, DecaySteps = 40 };
        using var model = TestModels.TinyDit(7);
        using var trainer = new FlowTrainer(model, new NoiseSource(), options);
        Assert.Equal(1e-3, trainer.LearningRate(10), 12);
        Assert.Equal(1e-3, trainer.LearningRate(60), 12);
        Assert.Equal(1e-3 * 30 / 40, trainer.LearningRate(70), 12);
        Assert.Equal(1e-3 / 40, trainer.LearningRate(99), 12);
        Assert.Equal(0, trainer.LearningRate(100), 12);
        Assert.Throws<UsageException>(() => new TrainOptions { DecaySteps = 10 }.Validate());
        Assert.Throws<UsageException>(() => new TrainOptions { DecaySteps = -1, MaxSteps = 5 }.Validate());
    }

    [Fact]
    public void ExportedWeightsContinueTheStepCountAsWeightsAndEma()
    {
        var options = new TrainOptions { BatchSize = 2, LearningRate = 1e-3, WarmupSteps = 1, MaxSteps = 3, CompactCheckpoints = true, ResumeWarmupSteps = 4 };
        var path = Path.Combine(Path.GetTempPath(), "jano-export-resume-" + Guid.NewGuid().ToString("N") + ".safetensors");
        var ckpt = path + ".ckpt";
        try
        {
            using var model = TestModels.TinyDit(7);
            using var trainer = new FlowTrainer(model, new NoiseSource(), options);
            trainer.Train(ckpt);
            trainer.ExportEma(path, trainer.ProgressMetadata());

            using var fresh = TestModels.TinyDit(99);
            using var resumed = new FlowTrainer(fresh, new NoiseSource(), options with { MaxSteps = 5 });
            resumed.LoadExported(path);
            Assert.Equal(3, resumed.Step);
            Assert.Equal(trainer.LossEma, resumed.LossEma);
            Assert.Equal(trainer.CpuSeconds, resumed.CpuSeconds);
            using (var file = SafetensorsFile.Open(path))
                foreach (var (name, p) in fresh.named_parameters())
                {
                    using var shipped = file.Read(name);
                    Assert.True(TestModels.BitEqual(shipped, p), name);
                }
            Assert.Equal(1e-3 / 4, resumed.LearningRate(3), 12);   // the resume warm-up restarts at the stored step
            Assert.Equal(2, resumed.Train(ckpt));                    // and training continues to MaxSteps
            Assert.Equal(5, resumed.Step);
        }
        finally
        {
            foreach (var p in new[] { path, ckpt }) if (File.Exists(p)) File.Delete(p);
        }
    }

    [Fact]
    public void ExportedWeightsWithMalformedProgressAreRefusedNamingFileAndKey()
    {
        var options = new TrainOptions { BatchSize = 2, LearningRate = 1e-3, WarmupSteps = 1, MaxSteps = 1, CompactCheckpoints = true };
        var path = Path.Combine(Path.GetTempPath(), "jano-export-bad-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            using var model = TestModels.TinyDit(7);
            using var trainer = new FlowTrainer(model, new NoiseSource(), options);
            foreach (var (key, value) in new[] { ("step", "abc"), ("step", "2.5"), ("cpu_s", "-1"), ("loss_ema", "NaN") })
            {
                trainer.ExportEma(path, new Dictionary<string, string> { [key] = value });
                using var fresh = TestModels.TinyDit(9);
                using var resumed = new FlowTrainer(fresh, new NoiseSource(), options);
                var e = Assert.Throws<InvalidDataException>(() => resumed.LoadExported(path));
                Assert.Contains(path, e.Message, StringComparison.Ordinal);
                Assert.Contains($"'{key}'", e.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            if (File.Exists(path)) File.Delete(path);
        }
    }
}
