namespace Jano.Training.Scenes;

/// <summary>
/// Which data a <see cref="SceneSource"/> draws from: a Fashion-MNIST split and a range of background seeds. The two
/// shipped splits are disjoint on both axes: <see cref="Train"/> uses the Fashion-MNIST train split and background seeds
/// [0, 1024); <see cref="HeldOut"/> uses the test split (t10k) and background seeds [1,000,000, 1,001,024), never used
/// in training.
/// </summary>
/// <param name="Name">Name used in logs and file metadata.</param>
/// <param name="ImageSplit">Fashion-MNIST split file prefix: <c>train</c> or <c>t10k</c>.</param>
/// <param name="FirstBackgroundSeed">First background seed of the range.</param>
/// <param name="BackgroundCount">Number of background seeds in the range.</param>
public sealed record SceneSplit(string Name, string ImageSplit, int FirstBackgroundSeed, int BackgroundCount)
{
    /// <summary>Training data: Fashion-MNIST train items on background seeds 0..1023.</summary>
    public static SceneSplit Train { get; } = new("train", "train", 0, 1024);

    /// <summary>Held-out data: Fashion-MNIST test (t10k) items on background seeds 1,000,000..1,001,023.</summary>
    public static SceneSplit HeldOut { get; } = new("held-out", "t10k", 1_000_000, 1024);

    /// <summary>True when <paramref name="seed"/> lies in this split's background range.</summary>
    public bool ContainsBackground(int seed) => seed >= FirstBackgroundSeed && seed - FirstBackgroundSeed < BackgroundCount;

    /// <summary>True when the two splits share no background seed and no Fashion-MNIST split.</summary>
    public bool IsDisjointFrom(SceneSplit other)
    {
        ArgumentNullException.ThrowIfNull(other);
        bool seedsOverlap = FirstBackgroundSeed < other.FirstBackgroundSeed + other.BackgroundCount
                            && other.FirstBackgroundSeed < FirstBackgroundSeed + BackgroundCount;
        return !seedsOverlap && !string.Equals(ImageSplit, other.ImageSplit, StringComparison.Ordinal);
    }
}
