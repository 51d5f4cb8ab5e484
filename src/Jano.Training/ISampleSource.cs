namespace Jano.Training;

/// <summary>Makes training samples: pixel-space latents in [-1, 1] with their class labels.</summary>
public interface ISampleSource
{
    /// <summary>Latent shape [C, T, H, W] of one sample.</summary>
    long[] Shape { get; }

    /// <summary>Fills <paramref name="destination"/> (C·T·H·W floats, row-major) with a sample and returns its label.
    /// Deterministic for a given <paramref name="rng"/> state.</summary>
    int NextSample(Random rng, Span<float> destination);
}
