namespace Jano.Engine.Pipelines;

/// <summary>Per-call generation settings (load-time settings live in <see cref="Catalog.LoadOptions"/>).</summary>
public sealed record GenerationRequest
{
    public required string Prompt { get; init; }
    public string? NegativePrompt { get; init; }
    public required int Steps { get; init; }
    public long Seed { get; init; } = 42;
    /// <summary>Classifier-free guidance scale; 1 runs the conditional branch only.</summary>
    public double Guidance { get; init; } = 1.0;
    public double Shift { get; init; } = 1.0;
    /// <summary>Latent [C, T, H, W].</summary>
    public required long[] LatentShape { get; init; }
    /// <summary>Run cond and uncond as one batch of 2 (caches and buffers still per branch row).</summary>
    public bool BatchBranches { get; init; } = true;
}
