namespace Jano.Training.Classifier;

/// <summary>
/// Real frames of the Fashion-MNIST models (32x32 grey): test images for the image model, frames of clips built from
/// the test split for the video model (<see cref="ClipSource"/>); training frames from the train split.
/// </summary>
public sealed class FashionMnistFrames : IRealFrames
{
    private readonly string _directory;
    private readonly int _frames;
    private FashionMnist? _test;

    /// <param name="directory">Folder of the Fashion-MNIST files.</param>
    /// <param name="frames">Frames per clip; 1 for the image model.</param>
    public FashionMnistFrames(string directory, int frames)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (frames < 1) throw new ArgumentOutOfRangeException(nameof(frames), frames, "must be at least 1");
        _directory = directory;
        _frames = frames;
    }

    public int Channels => 1;

    public int Side => FrameClassifier.DefaultSide;

    private bool IsVideo => _frames > 1;

    /// <summary>The test split (loaded once).</summary>
    public FashionMnist Test => _test ??= FashionMnist.Load(_directory, "t10k");

    public IFrameSampler TrainSampler()
    {
        var train = FashionMnist.Load(_directory, "train");
        return IsVideo ? new ClipFrameSampler(new ClipSource(train, _frames)) : new ImageFrameSampler(train);
    }

    public FrameSet Ceiling(int clipsPerClass, int? images, int seed)
    {
        if (IsVideo) return FrameSet.FromClips(new ClipSource(Test, _frames), clipsPerClass, seed);
        int count = images ?? Test.Count;
        if (count < 1 || count > Test.Count) throw new ArgumentOutOfRangeException(nameof(images), count, $"must be in 1..{Test.Count}");
        return FrameSet.FromImages(Test, Enumerable.Range(0, count).ToArray());
    }

    // Images: two disjoint groups of k test images per class after a seeded shuffle. Video: k clips per class built from
    // the even-indexed and from the odd-indexed test items respectively (so no item appears in both).
    public (FrameSet A, FrameSet B) Reference(int perClass, int seed)
    {
        if (IsVideo)
        {
            var even = Test.Subset(Enumerable.Range(0, Test.Count).Where(i => i % 2 == 0).ToArray());
            var odd = Test.Subset(Enumerable.Range(0, Test.Count).Where(i => i % 2 == 1).ToArray());
            return (FrameSet.FromClips(new ClipSource(even, _frames), perClass, seed),
                    FrameSet.FromClips(new ClipSource(odd, _frames), perClass, seed + 500000));
        }
        var rng = new Random(seed);
        var first = new List<int>();
        var second = new List<int>();
        foreach (var pool in Test.ByClass())
        {
            var shuffled = pool.ToArray();
            rng.Shuffle(shuffled);
            if (shuffled.Length < 2 * perClass) throw new ArgumentException($"a test class has {shuffled.Length} images; {2 * perClass} are needed");
            first.AddRange(shuffled.Take(perClass));
            second.AddRange(shuffled.Skip(perClass).Take(perClass));
        }
        return (FrameSet.FromImages(Test, first), FrameSet.FromImages(Test, second));
    }
}
