using Jano.Core;

namespace Jano.Training;

/// <summary>Rectified-flow training settings.</summary>
public sealed record TrainOptions
{
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 3e-4;
    public int WarmupSteps { get; init; } = 200;
    public double WeightDecay { get; init; } = 0.01;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.99;
    public double EmaDecay { get; init; } = 0.999;
    /// <summary>Probability that a sample's label is replaced by the null class (classifier-free guidance).</summary>
    public double LabelDropout { get; init; } = 0.1;
    public double GradClip { get; init; } = 1.0;
    public long Seed { get; init; } = 1;
    /// <summary>Stop after this many optimizer steps in total (across resumes).</summary>
    public int MaxSteps { get; init; } = int.MaxValue;
    /// <summary>Stop after this much wall time in this process.</summary>
    public TimeSpan MaxTime { get; init; } = TimeSpan.FromMinutes(90);
    /// <summary>Write a resumable checkpoint this often.</summary>
    public TimeSpan CheckpointEvery { get; init; } = TimeSpan.FromMinutes(20);
    /// <summary>Write compact checkpoints (weights and EMA, no optimizer moments) instead of full ones.</summary>
    public bool CompactCheckpoints { get; init; }
    /// <summary>Linear learning-rate warm-up, in steps, after resuming from a compact checkpoint (fresh moments).</summary>
    public int ResumeWarmupSteps { get; init; } = 100;
    /// <summary>Linear learning-rate decay to zero over the last this many steps before <see cref="MaxSteps"/>
    /// (a warm-up, stable, decay schedule); 0 keeps the rate constant.</summary>
    public int DecaySteps { get; init; }
    /// <summary>Joint image-video training (as Wan trains on images beside videos): this many steps on single frames
    /// (the trainer's frame source, batch <see cref="FrameBatchSize"/>) after each step on clips; 0 trains on clips only.
    /// Step s (0-based) is a clip step when s mod (FrameStepsPerClipStep + 1) is 0.</summary>
    public int FrameStepsPerClipStep { get; init; }
    /// <summary>Frames per frame step (64 frames of one latent frame each hold as many tokens as 8 clips of 8).</summary>
    public int FrameBatchSize { get; init; } = 64;

    public void Validate()
    {
        if (BatchSize < 1) throw new UsageException($"batch size ({BatchSize}) must be positive");
        if (!(LearningRate > 0)) throw new UsageException($"learning rate ({LearningRate}) must be positive");
        if (EmaDecay is < 0 or >= 1) throw new UsageException($"EMA decay ({EmaDecay}) must be in [0, 1)");
        if (LabelDropout is < 0 or > 1) throw new UsageException($"label dropout ({LabelDropout}) must be in [0, 1]");
        if (DecaySteps < 0) throw new UsageException($"decay steps ({DecaySteps}) must not be negative");
        if (DecaySteps > 0 && MaxSteps == int.MaxValue) throw new UsageException("decay steps need a maximum step count (--max-steps)");
        if (FrameStepsPerClipStep < 0) throw new UsageException($"frame steps per clip step ({FrameStepsPerClipStep}) must not be negative");
        if (FrameBatchSize < 1) throw new UsageException($"frame batch size ({FrameBatchSize}) must be positive");
    }
}
