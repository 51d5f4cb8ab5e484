namespace Jano.Training.Classifier;

/// <summary>
/// Real frames of a model's data for its frame classifier: a training sampler, the held-out set that measures the
/// classifier's accuracy (its ceiling on real frames), and two disjoint held-out sets whose features give the Fréchet
/// reference and its real-vs-real floor.
/// </summary>
public interface IRealFrames
{
    /// <summary>Channels of a frame (1 grey, 3 RGB).</summary>
    int Channels { get; }

    /// <summary>Frame side in pixels.</summary>
    int Side { get; }

    /// <summary>Random labelled training frames.</summary>
    IFrameSampler TrainSampler();

    /// <summary>Held-out real frames for the classifier's accuracy (<paramref name="clipsPerClass"/> clips per class for
    /// videos; images use <paramref name="images"/> test images, all when null).</summary>
    FrameSet Ceiling(int clipsPerClass, int? images, int seed);

    /// <summary>Two disjoint held-out real sets of <paramref name="perClass"/> samples per class (no item in both).</summary>
    (FrameSet A, FrameSet B) Reference(int perClass, int seed);
}
