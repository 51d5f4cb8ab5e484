namespace Jano.Training.Scenes;

/// <summary>Settings of <see cref="AutoencoderTrainer"/>.</summary>
public sealed record AutoencoderTrainOptions
{
    /// <summary>Crops per batch.</summary>
    public int BatchSize { get; init; } = 16;
    /// <summary>Side of the random square crops taken from rendered frames (a multiple of 4; the frame side = whole frames).</summary>
    public int CropSize { get; init; } = 32;
    public double LearningRate { get; init; } = 1e-3;
    public int WarmupSteps { get; init; } = 100;
    /// <summary>Cosine decay of the learning rate to <see cref="FinalLearningRateFraction"/> of it at this step.</summary>
    public int MaxSteps { get; init; } = 20_000;
    public double FinalLearningRateFraction { get; init; } = 0.05;
    /// <summary>Linear learning-rate warm-up after a resume (fresh optimizer moments).</summary>
    public int ResumeWarmupSteps { get; init; } = 50;
    public double WeightDecay { get; init; }
    /// <summary>Weight of the plain L1 loss.</summary>
    public double L1Weight { get; init; } = 1.0;
    /// <summary>Weight of the L1 loss on horizontal and vertical pixel differences (edges), beside the plain L1 loss.</summary>
    public double EdgeWeight { get; init; } = 0.5;
    /// <summary>Weight of the mean squared error, beside the plain L1 loss.</summary>
    public double MseWeight { get; init; } = 1.0;
    /// <summary>Train the decoder only: the encoder (and so the latent space a DiT was trained on) stays unchanged.</summary>
    public bool FreezeEncoder { get; init; }
    public long Seed { get; init; } = 1;
    /// <summary>Stop after this much wall time in this call.</summary>
    public TimeSpan MaxTime { get; init; } = TimeSpan.FromMinutes(35);
    /// <summary>Write the checkpoint this often.</summary>
    public TimeSpan CheckpointEvery { get; init; } = TimeSpan.FromMinutes(5);

    public void Validate()
    {
        if (BatchSize < 1) throw new ArgumentException($"batch size ({BatchSize}) must be positive");
        if (CropSize < 8 || CropSize % 4 != 0) throw new ArgumentException($"crop size ({CropSize}) must be a multiple of 4 and at least 8");
        if (!(LearningRate > 0)) throw new ArgumentException($"learning rate ({LearningRate}) must be positive");
        if (MaxSteps < 1) throw new ArgumentException($"max steps ({MaxSteps}) must be positive");
        if (L1Weight < 0 || EdgeWeight < 0 || MseWeight < 0) throw new ArgumentException("loss weights must not be negative");
        if (L1Weight + EdgeWeight + MseWeight == 0) throw new ArgumentException("at least one loss weight must be positive");
    }
}
