using System.Reflection;
using Jano.Core;
using Jano.Core.Weights;
using Jano.Training;
using Jano.Training.Classifier;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Eval;

public class EvalClassifierTests
{
    internal static string RepoRoot => typeof(EvalClassifierTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .First(a => a.Key == "RepoRoot").Value!;

    internal static bool DatasetInstalled =>
        File.Exists(Path.Combine(FashionMnist.DefaultDirectory, "t10k-images-idx3-ubyte.gz"));

    [Fact]
    public void ForwardShapes()
    {
        torch.manual_seed(3);
        using var model = new FrameClassifier();
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = torch.rand([3, 1, 32, 32]).mul(2).sub(1);
        Assert.Equal([3L, FrameClassifier.FeatureDim], model.Features(x).shape);
        Assert.Equal([3L, FrameClassifier.Classes], model.Logits(x).shape);
        Assert.True(FrameClassifier.FeatureDim <= 64);
        Assert.Throws<ArgumentException>(() => model.Features(torch.zeros([3, 1, 28, 28])));
        Assert.Throws<ArgumentException>(() => model.Logits(torch.zeros([1, 32, 32])));
    }

    [Fact]
    public void SaveLoadRoundTripGivesTheSameOutputs()
    {
        var path = Path.Combine(Path.GetTempPath(), $"jano-eval-clf-{Guid.NewGuid():N}.safetensors");
        try
        {
            torch.manual_seed(11);
            using var model = new FrameClassifier();
            model.eval();
            model.Save(path, new Dictionary<string, string> { ["note"] = "test" });
            using var loaded = FrameClassifier.Load(path);
            using var scope = NewDisposeScope();
            using var noGrad = torch.no_grad();
            var x = torch.rand([5, 1, 32, 32]).mul(2).sub(1);
            Assert.True(TestModels.BitEqual(model.Logits(x), loaded.Logits(x)));
            Assert.True(TestModels.BitEqual(model.Features(x), loaded.Features(x)));
            // Classify agrees with Features/Logits.
            var pixels = x.contiguous().data<float>().ToArray();
            var result = loaded.Classify(pixels, 5, batch: 2);
            Assert.Equal(loaded.Logits(x).argmax(1).data<long>().ToArray().Select(v => (int)v), result.Predicted);
            var direct = loaded.Features(x).contiguous().data<float>().ToArray();
            Assert.Equal(direct.Length, result.Features.Length);
            for (int i = 0; i < direct.Length; i++) Assert.Equal(direct[i], result.Features[i], 1e-5f);
            using var other = new FrameClassifier();
            Assert.False(TestModels.BitEqual(model.Logits(x), other.Logits(x)));
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Throws<FileNotFoundException>(() => FrameClassifier.Load(path));
    }

    [Fact]
    public void LoadRejectsForeignWeights()
    {
        var path = Path.Combine(Path.GetTempPath(), $"jano-eval-foreign-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var lin = nn.Linear(3, 4);
            WeightLoader.Save(lin, path);
            Assert.Throws<WeightFileException>(() => FrameClassifier.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class StripesSampler : IFrameSampler
    {
        public int FramesPerEpoch => 32 * 40;

        public int Channels => 1;

        public int Side => 32;

        // Class c: a bright horizontal band at rows 3c..3c+2 on black, plus noise.
        public void Batch(Random rng, Span<float> pixels, Span<long> labels)
        {
            for (int b = 0; b < labels.Length; b++)
            {
                int c = rng.Next(10);
                labels[b] = c;
                var f = pixels.Slice(b * FrameSet.GreyPlane, FrameSet.GreyPlane);
                for (int i = 0; i < f.Length; i++)
                    f[i] = (i / 32 >= 3 * c && i / 32 < 3 * c + 3 ? 0.8f : -0.8f) + (float)(rng.NextDouble() * 0.4 - 0.2);
            }
        }
    }

    [Fact]
    public void TrainerLearnsASeparableTaskQuickly()
    {
        torch.manual_seed(5);
        using var model = new FrameClassifier();
        var sampler = new StripesSampler();
        var progress = new List<ClassifierProgress>();
        ClassifierTrainer.Train(model, sampler, new ClassifierTrainOptions { Epochs = 1, BatchSize = 32, Seed = 2 }, progress.Add);
        Assert.Contains(progress, p => p.EpochEnd && p.Step == 40);
        var pixels = new float[200 * FrameSet.GreyPlane];
        var labels = new long[200];
        sampler.Batch(new Random(99), pixels, labels);
        var acc = model.Classify(pixels, 200).Accuracy(labels.Select(l => (int)l).ToArray());
        Assert.True(acc > 0.9, $"accuracy {acc}");
        Assert.Throws<UsageException>(() => ClassifierTrainer.Train(model, sampler, new ClassifierTrainOptions { Epochs = 0 }));
    }

    [Fact]
    public void ShippedImageClassifierMeetsItsTarget()
    {
        var path = Path.Combine(RepoRoot, "assets", "classifiers", "fmnist-image.safetensors");
        Assert.True(File.Exists(path), $"missing {path}");
        Assert.True(new FileInfo(path).Length < 4 << 20);
        if (!DatasetInstalled) return;
        using var model = FrameClassifier.Load(path);
        var test = FashionMnist.Load(FashionMnist.DefaultDirectory, "t10k");
        var set = FrameSet.FromImages(test, Enumerable.Range(0, 2000).ToArray());
        double acc = model.Classify(set.Pixels, set.Count).Accuracy(set.Labels);
        Assert.True(acc >= 0.88, $"test accuracy {acc}");
    }

    [Fact]
    public void ShippedFrameClassifierExists()
    {
        var path = Path.Combine(RepoRoot, "assets", "classifiers", "fmnist-video-frames.safetensors");
        Assert.True(File.Exists(path), $"missing {path}");
        Assert.True(new FileInfo(path).Length < 4 << 20);
        using var model = FrameClassifier.Load(path);
    }

    [Fact]
    public void ClipFramesAreReproducibleAndLabelled()
    {
        if (!DatasetInstalled) return;
        var test = FashionMnist.Load(FashionMnist.DefaultDirectory, "t10k");
        var half = test.Subset(Enumerable.Range(0, 100).ToArray());
        Assert.Equal(100, half.Count);
        Assert.Equal(test.Labels[7], half.Labels[7]);
        var clips = new ClipSource(test, 8);
        var a = FrameSet.FromClips(clips, 2, 5);
        var b = FrameSet.FromClips(clips, 2, 5);
        Assert.Equal(10 * 2 * 8, a.Count);
        Assert.Equal(a.Pixels, b.Pixels);
        Assert.Equal(Enumerable.Range(0, 10).SelectMany(c => Enumerable.Repeat(c, 16)), a.Labels);
    }
}
