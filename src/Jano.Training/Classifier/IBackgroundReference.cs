namespace Jano.Training.Classifier;

/// <summary>
/// Real data whose clips are a subject over a static background from a known set (the scenes model): how close a clip's
/// background comes to the nearest training background, for judging a model's backgrounds beside its class accuracy.
/// </summary>
public interface IBackgroundReference
{
    /// <summary>Nearest-training-background PSNR (dB) of one clip, frames [T, C, S, S] row-major in [-1, 1].</summary>
    double NearestBackgroundPsnr(float[] frames, int frameCount);

    /// <summary>The same measure, averaged, on <paramref name="perClass"/> real clips per class of the held-out split:
    /// backgrounds never used in training, i.e. what a new but plausible background scores (a training background scores
    /// far higher: it matches exactly).</summary>
    double HeldOutBackgroundPsnr(int perClass, int seed);
}
