using Jano.Training.Classifier;

namespace Jano.Training.Scenes;

/// <summary>
/// Real frames of the scenes model (64x64 RGB): training frames from <see cref="SceneSplit.Train"/>; every held-out
/// set from <see cref="SceneSplit.HeldOut"/> (test-split items on background seeds never used in training). The two
/// Fréchet reference sets use the even- and the odd-indexed test items and the first and the second half of the
/// held-out background seeds, so they share neither items nor backgrounds.
/// </summary>
public sealed class SceneRealFrames : IRealFrames, IBackgroundReference, IDisposable
{
    private BackgroundMatch? _match;
    private readonly string _directory;
    private readonly int _frames;
    private FashionMnist? _test;

    /// <param name="directory">Folder of the Fashion-MNIST files.</param>
    /// <param name="frames">Frames per clip.</param>
    public SceneRealFrames(string directory, int frames)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (frames < 1) throw new ArgumentOutOfRangeException(nameof(frames), frames, "must be at least 1");
        _directory = directory;
        _frames = frames;
    }

    public int Channels => 3;

    public int Side => SceneSource.DefaultSide;

    private FashionMnist Test => _test ??= FashionMnist.Load(_directory, SceneSplit.HeldOut.ImageSplit);

    private BackgroundMatch Match => _match ??= new BackgroundMatch(SceneSplit.Train, Side);

    public double NearestBackgroundPsnr(float[] frames, int frameCount) => Match.NearestPsnr(frames, frameCount);

    public double HeldOutBackgroundPsnr(int perClass, int seed) => MeanPsnr(new SceneSource(Test, SceneSplit.HeldOut, _frames), perClass, seed);

    // Mean nearest-background PSNR over perClass clips per class of `scenes` (clip i of class c: seed + 1000·c + i).
    private double MeanPsnr(SceneSource scenes, int perClass, int seed)
    {
        var set = SceneFrames.FromClips(scenes, perClass, seed);
        int clipFloats = _frames * set.Plane, clips = set.Count / _frames;
        double sum = 0;
        for (int i = 0; i < clips; i++) sum += Match.NearestPsnr(set.Pixels.AsSpan(i * clipFloats, clipFloats), _frames);
        return sum / clips;
    }

    public void Dispose() => _match?.Dispose();

    public IFrameSampler TrainSampler() => new SceneFrameSampler(SceneSource.Load(_directory, SceneSplit.Train, _frames));

    public FrameSet Ceiling(int clipsPerClass, int? images, int seed) =>
        SceneFrames.FromClips(new SceneSource(Test, SceneSplit.HeldOut, _frames), clipsPerClass, seed);

    public (FrameSet A, FrameSet B) Reference(int perClass, int seed)
    {
        var held = SceneSplit.HeldOut;
        int half = held.BackgroundCount / 2;
        var even = Test.Subset(Enumerable.Range(0, Test.Count).Where(i => i % 2 == 0).ToArray());
        var odd = Test.Subset(Enumerable.Range(0, Test.Count).Where(i => i % 2 == 1).ToArray());
        var first = held with { Name = held.Name + "-a", BackgroundCount = half };
        var second = held with { Name = held.Name + "-b", FirstBackgroundSeed = held.FirstBackgroundSeed + half, BackgroundCount = held.BackgroundCount - half };
        return (SceneFrames.FromClips(new SceneSource(even, first, _frames), perClass, seed),
                SceneFrames.FromClips(new SceneSource(odd, second, _frames), perClass, seed + 500000));
    }
}
