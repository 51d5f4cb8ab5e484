using Jano.Training.Classifier;
using Jano.Training.Scenes;
using TorchSharp;
using Xunit;

namespace Jano.Tests.Training;

/// <summary>The scenes model's evaluation data: RGB frame sets, the frame sampler, the 64x64 RGB classifier and the
/// nearest-background measure (on tiny synthetic items, no data set needed).</summary>
public class SceneEvalDataTests
{
    private static readonly SceneSplit SmallTrain = SceneSplit.Train with { BackgroundCount = 8 };

    [Fact]
    public void FramesOfClipsAreLabelledRgbFramesOfTheClip()
    {
        var scenes = new SceneSource(TrainingTestData.TinyItems(), SmallTrain, frames: 4);
        var set = SceneFrames.FromClips(scenes, clipsPerClass: 1, seed: 3);
        Assert.Equal(3 * 64 * 64, set.Plane);
        Assert.Equal(10 * 4, set.Count);
        Assert.Equal([0, 0, 0, 0, 1], set.Labels.Take(5));
        // frame 2 of class 1's clip equals the source's own rendering of that frame
        var clip = scenes.Draw(new Random(3 + 1000 * 1 + 0), 1);
        var frame = new float[set.Plane];
        scenes.RenderFrame(clip, 2, frame);
        Assert.Equal(frame, set.Pixels.AsSpan((4 + 2) * set.Plane, set.Plane).ToArray());
    }

    [Fact]
    public void SamplerDrawsWholeClipsOfOneLabelAndBlurIsAnAverage()
    {
        var sampler = new SceneFrameSampler(new SceneSource(TrainingTestData.TinyItems(), SmallTrain, frames: 4), 100, blurProbability: 0, framesPerClip: 4);
        Assert.Equal((3, 64), (sampler.Channels, sampler.Side));
        var pixels = new float[6 * 3 * 64 * 64];
        var labels = new long[6];
        sampler.Batch(new Random(1), pixels, labels);
        Assert.Equal(labels[0], labels[3]);
        Assert.All(pixels, p => Assert.InRange(p, -1f, 1f));
        var flat = Enumerable.Repeat(0.5f, 3 * 8 * 8).ToArray();
        var blurred = new float[flat.Length];
        SceneFrames.BoxBlur(flat, 8, blurred);
        Assert.All(blurred, v => Assert.Equal(0.5f, v, 6));
    }

    // The sampler renders only the frames it takes; they are the frames of the whole clip's rendering, in its shuffled order.
    [Fact]
    public void SamplerFramesAreTheClipsOwnFramesInItsShuffledOrder()
    {
        var scenes = new SceneSource(TrainingTestData.TinyItems(), SmallTrain, frames: 5);
        var sampler = new SceneFrameSampler(scenes, 100, blurProbability: 0, framesPerClip: 2);
        int plane = 3 * 64 * 64;
        var pixels = new float[3 * plane];
        var labels = new long[3];
        sampler.Batch(new Random(7), pixels, labels);

        var rng = new Random(7);
        var clip = scenes.Draw(rng, rng.Next(10));
        var order = Enumerable.Range(0, 5).ToArray();
        rng.Shuffle(order);
        var whole = new float[3 * 5 * 64 * 64];
        scenes.Render(clip, whole);
        var frame = new float[plane];
        for (int i = 0; i < 2; i++)
        {
            SceneFrames.CopyFrame(whole, 5, 64, order[i], frame);
            Assert.Equal(frame, pixels.AsSpan(i * plane, plane).ToArray());
            Assert.Equal(clip.Label, labels[i]);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => scenes.RenderFrames(clip, [5], new float[plane]));
        Assert.Throws<ArgumentException>(() => scenes.RenderFrames(clip, [0, 1], new float[plane]));
    }

    // The deep variant keeps its architecture through save and load; a file naming an unknown variant is refused.
    [Fact]
    public void DeepClassifierRoundTripsAndAnUnknownVariantIsRefused()
    {
        torch.manual_seed(2);
        using var model = new FrameClassifier(3, 64, deep: true);
        using var plain = new FrameClassifier(3, 64);
        Assert.True(model.parameters().Sum(p => p.numel()) > plain.parameters().Sum(p => p.numel()));
        // every parameter starts finite (TorchSharp leaves GroupNorm's affine parameters uninitialised unless set)
        Assert.All(model.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
        using (var x = torch.randn([4, 3, 64, 64]))
        using (var f = model.Features(x))
            Assert.True(f.isfinite().all().item<bool>());
        var path = Path.Combine(Path.GetTempPath(), $"jano-clf-{Guid.NewGuid():N}.safetensors");
        var bad = Path.Combine(Path.GetTempPath(), $"jano-clf-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path);
            using var loaded = FrameClassifier.Load(path);
            Assert.True(loaded.Deep);
            var frames = new float[2 * loaded.Plane];
            for (int i = 0; i < frames.Length; i++) frames[i] = (float)Math.Sin(i * 0.01);
            Assert.Equal(model.Classify(frames, 2).Features, loaded.Classify(frames, 2).Features);
            Jano.Core.Weights.WeightLoader.Save(model, bad, new Dictionary<string, string> { ["channels"] = "3", ["side"] = "64", ["arch"] = "huge" });
            var e = Assert.Throws<Jano.Core.Weights.WeightFileException>(() => FrameClassifier.Load(bad));
            Assert.Contains("'huge'", e.Message);
        }
        finally
        {
            File.Delete(path);
            File.Delete(bad);
        }
    }

    [Fact]
    public void RgbClassifierTakesItsFrameShapeAndKeepsItThroughSaveAndLoad()
    {
        torch.manual_seed(1);
        using var model = new FrameClassifier(3, 64);
        using var x = torch.zeros([2, 3, 64, 64]);
        using var f = model.Features(x);
        Assert.Equal([2L, FrameClassifier.FeatureDim], f.shape);
        using var grey = torch.zeros([2, 1, 64, 64]);
        Assert.Throws<ArgumentException>(() => model.Features(grey));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FrameClassifier(3, 48));
        var path = Path.Combine(Path.GetTempPath(), $"jano-clf-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path);
            using var loaded = FrameClassifier.Load(path);
            Assert.Equal((3, 64, 3 * 64 * 64), (loaded.Channels, loaded.Side, loaded.Plane));
            var frames = new float[2 * loaded.Plane];
            new Random(2).NextBytes(new byte[1]);
            Assert.Equal(model.Classify(frames, 2).Predicted, loaded.Classify(frames, 2).Predicted);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void NearestBackgroundFindsATrainingBackgroundAndScoresAnUnseenOneLower()
    {
        var items = TrainingTestData.TinyItems();
        using var match = new BackgroundMatch(SmallTrain, 64);
        var train = SceneFrames.FromClips(new SceneSource(items, SmallTrain, frames: 3), 1, 5);
        var heldOut = SceneFrames.FromClips(new SceneSource(items, SceneSplit.HeldOut, frames: 3), 1, 5);
        int clip = 3 * train.Plane;
        double seen = match.NearestPsnr(train.Pixels.AsSpan(0, clip), 3);
        double unseen = match.NearestPsnr(heldOut.Pixels.AsSpan(0, clip), 3);
        Assert.True(seen > 40, $"a clip on a training background scores {seen:F1} dB");
        Assert.True(unseen < seen - 10, $"unseen background {unseen:F1} dB vs seen {seen:F1} dB");
    }

    [Fact]
    public void BackgroundsMadeInsideADisposeScopeOutliveIt()
    {
        // eval makes the match lazily inside a per-sample dispose scope and uses it for every later sample
        var items = TrainingTestData.TinyItems();
        BackgroundMatch match;
        using (torch.NewDisposeScope()) match = new BackgroundMatch(SmallTrain, 64);
        using (match)
        {
            var train = SceneFrames.FromClips(new SceneSource(items, SmallTrain, frames: 3), 1, 5);
            Assert.True(match.NearestPsnr(train.Pixels.AsSpan(0, 3 * train.Plane), 3) > 40);
        }
    }
}
