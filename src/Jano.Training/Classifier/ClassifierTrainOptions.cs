using Jano.Core;

namespace Jano.Training.Classifier;

/// <summary>Settings of <see cref="ClassifierTrainer.Train"/>.</summary>
public sealed record ClassifierTrainOptions
{
    public int Epochs { get; init; } = 3;
    public int BatchSize { get; init; } = 128;
    /// <summary>Peak AdamW learning rate; cosine-decayed to 5 % of it over the run.</summary>
    public double LearningRate { get; init; } = 2e-3;
    public double WeightDecay { get; init; } = 1e-4;
    public int Seed { get; init; } = 1;

    /// <summary>Throws <see cref="UsageException"/> for values that cannot train.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new UsageException($"--epochs ({Epochs}) must be at least 1");
        if (BatchSize < 1) throw new UsageException($"batch size ({BatchSize}) must be at least 1");
        if (!(LearningRate > 0)) throw new UsageException($"learning rate ({LearningRate}) must be positive");
        if (WeightDecay < 0) throw new UsageException($"weight decay ({WeightDecay}) must not be negative");
    }
}
