namespace Jano.Training.Classifier;

/// <summary>Draws random labelled training frames for <see cref="ClassifierTrainer"/>.</summary>
public interface IFrameSampler
{
    /// <summary>Channels of a frame.</summary>
    int Channels { get; }

    /// <summary>Side of a (square) frame in pixels.</summary>
    int Side { get; }

    /// <summary>Frames that count as one epoch.</summary>
    int FramesPerEpoch { get; }

    /// <summary>Fills <paramref name="pixels"/> (labels.Length frames [C, S, S], floats in [-1, 1]) and <paramref name="labels"/>;
    /// deterministic for a given <paramref name="rng"/> state.</summary>
    void Batch(Random rng, Span<float> pixels, Span<long> labels);
}
