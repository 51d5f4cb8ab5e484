using Jano.Core;
using Jano.Training;
using Xunit;

namespace Jano.Tests.Training;

public class JointTrainingTests
{
    /// <summary>Seeded uniform latents of a given shape that count the samples drawn.</summary>
    private sealed class CountingSource(long[] shape) : ISampleSource
    {
        public int Drawn { get; private set; }

        public long[] Shape => shape;

        public int NextSample(Random rng, Span<float> destination)
        {
            Drawn++;
            for (int i = 0; i < destination.Length; i++) destination[i] = (float)(rng.NextDouble() * 2 - 1);
            return rng.Next(10);
        }
    }

    private static readonly long[] FrameShape = [TestModels.TinyLatent[0], 1, TestModels.TinyLatent[2], TestModels.TinyLatent[3]];

    private static string TempFile() => Path.Combine(Path.GetTempPath(), $"jano-joint-{Guid.NewGuid():N}.safetensors");

    [Fact]
    public void FrameStepsFollowTheClipStepsByStepNumber()
    {
        var options = new TrainOptions { FrameStepsPerClipStep = 3 };
        using var model = TestModels.TinyDit(7);
        using var trainer = new FlowTrainer(model, new CountingSource(TestModels.TinyLatent), options, new CountingSource(FrameShape));
        var frameSteps = Enumerable.Range(0, 9).Select(trainer.IsFrameStep).ToArray();
        Assert.Equal([false, true, true, true, false, true, true, true, false], frameSteps);
        using var clipsOnly = new FlowTrainer(TestModels.TinyDit(7), new CountingSource(TestModels.TinyLatent), new TrainOptions());
        Assert.DoesNotContain(Enumerable.Range(0, 9), clipsOnly.IsFrameStep);
    }

    [Fact]
    public void JointTrainingDrawsEachStepsBatchFromItsSourceAndSmoothsTheLossesApart()
    {
        var path = TempFile();
        try
        {
            var clips = new CountingSource(TestModels.TinyLatent);
            var frames = new CountingSource(FrameShape);
            var options = new TrainOptions
            {
                BatchSize = 2, FrameBatchSize = 5, FrameStepsPerClipStep = 2, MaxSteps = 6, WarmupSteps = 1,
                CompactCheckpoints = true, LearningRate = 1e-3,
            };
            using var model = TestModels.TinyDit(7);
            using var trainer = new FlowTrainer(model, clips, options, frames);
            var logged = new List<TrainProgress>();
            trainer.Train(path, logged.Add);
            Assert.Equal(6, trainer.Step);
            Assert.Equal(2 * 2, clips.Drawn);      // steps 0 and 3
            Assert.Equal(4 * 5, frames.Drawn);     // steps 1, 2, 4, 5
            Assert.Equal([false, true, true, false, true, true], logged.Select(p => p.FrameStep));
            Assert.True(double.IsFinite(trainer.LossEma) && double.IsFinite(trainer.FrameLossEma));
            // the clip loss EMA moves on clip steps only
            Assert.Equal(logged[0].LossEma, logged[2].LossEma);
            Assert.NotEqual(logged[2].LossEma, logged[3].LossEma);
            Assert.True(double.IsNaN(logged[0].FrameLossEma));
        }
        finally
        {
            if (File.Exists(path)) File.Delete(path);
        }
    }

    [Fact]
    public void JointTrainingWithoutAFittingFrameSourceIsRefused()
    {
        var options = new TrainOptions { FrameStepsPerClipStep = 1 };
        using var model = TestModels.TinyDit(7);
        var clips = new CountingSource(TestModels.TinyLatent);
        var none = Assert.Throws<ArgumentException>(() => new FlowTrainer(model, clips, options));
        Assert.Contains("frame source", none.Message);
        var wrong = Assert.Throws<ArgumentException>(() => new FlowTrainer(model, clips, options, new CountingSource(TestModels.TinyLatent)));
        Assert.Contains("not one frame", wrong.Message);
        Assert.Throws<UsageException>(() => new TrainOptions { FrameStepsPerClipStep = -1 }.Validate());
        Assert.Throws<UsageException>(() => new TrainOptions { FrameBatchSize = 0 }.Validate());
    }

    [Fact]
    public void AMissingLogIsCreatedWithTheHeader()
    {
        var path = Path.Combine(Path.GetTempPath(), $"jano-log-{Guid.NewGuid():N}.csv");
        try
        {
            CsvLog.EnsureColumns(path, "step,loss,kind", ",clip");
            Assert.Equal("step,loss,kind\n", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void OldLogsGainTheNewColumnsAndForeignLogsAreRefused()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "step,loss\n1,0.5\n2,0.4\n");
            CsvLog.EnsureColumns(path, "step,loss,kind", ",clip");
            Assert.Equal("step,loss,kind\n1,0.5,clip\n2,0.4,clip\n", File.ReadAllText(path));
            CsvLog.EnsureColumns(path, "step,loss,kind", ",clip");
            Assert.Equal("step,loss,kind\n1,0.5,clip\n2,0.4,clip\n", File.ReadAllText(path));
            File.WriteAllText(path, "epoch,acc\n1,0.5\n");
            var e = Assert.Throws<InvalidDataException>(() => CsvLog.EnsureColumns(path, "step,loss,kind", ",clip"));
            Assert.Contains(path, e.Message);
            Assert.Equal("epoch,acc\n1,0.5\n", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
