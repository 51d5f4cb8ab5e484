namespace Jano.Server;

/// <summary>What one request may ask for; requests beyond these get a 4xx answer naming the limit.</summary>
public sealed record ServerLimits
{
    /// <summary>Largest request body in bytes (413 beyond it).</summary>
    public long MaxBodyBytes { get; init; } = 16 * 1024;

    /// <summary>Longest prompt (and negative prompt) in characters.</summary>
    public int MaxPromptChars { get; init; } = 500;

    public int MaxSteps { get; init; } = 200;

    /// <summary>Largest width or height in pixels.</summary>
    public int MaxSide { get; init; } = 1024;

    public int MaxFrames { get; init; } = 128;

    /// <summary>Most seeds in one submission (one job each).</summary>
    public int MaxBatch { get; init; } = 16;

    /// <summary>Most jobs queued or running at once (429 beyond it).</summary>
    public int MaxQueued { get; init; } = 200;

    /// <summary>Finished jobs kept (with their outputs); older ones are deleted.</summary>
    public int KeepFinished { get; init; } = 500;
}
