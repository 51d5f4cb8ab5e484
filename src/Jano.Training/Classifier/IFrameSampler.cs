namespace Jano.Training.Classifier;

/// <summary>Draws random labelled training frames for <see cref="ClassifierTrainer"/>.</summary>
public interface IFrameSampler
{
    /// <summary>Frames that count as one epoch.</summary>
    int FramesPerEpoch { get; }

    /// <summary>Fills <paramref name="pixels"/> (labels.Length × 1024 floats in [-1, 1]) and <paramref name="labels"/>;
    /// deterministic for a given <paramref name="rng"/> state.</summary>
    void Batch(Random rng, Span<float> pixels, Span<long> labels);
}
