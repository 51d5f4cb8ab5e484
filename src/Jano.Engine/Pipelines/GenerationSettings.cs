namespace Jano.Engine.Pipelines;

/// <summary>
/// A <see cref="GenerationRequest"/> with the model's defaults filled in and every value checked
/// (<see cref="IDiffusionPipeline.Resolve"/>); what <see cref="IDiffusionPipeline.Denoise"/> runs and reports record.
/// </summary>
public sealed record GenerationSettings
{
    public required string Prompt { get; init; }

    /// <summary>Negative prompt (null for class-conditional models).</summary>
    public string? NegativePrompt { get; init; }

    public required int Steps { get; init; }

    public required long Seed { get; init; }

    public required double Guidance { get; init; }

    public required double Shift { get; init; }

    /// <summary>Sampler name (e.g. <c>euler</c>, <c>unipc</c>).</summary>
    public required string Sampler { get; init; }

    public required int Width { get; init; }

    public required int Height { get; init; }

    public required int Frames { get; init; }

    /// <summary>Latent [C, T, H, W] that these sizes give.</summary>
    public required long[] LatentShape { get; init; }

    public required bool BatchBranches { get; init; }

    /// <summary>True when guidance runs an unconditional branch (classifier-free guidance with a scale other than 1).</summary>
    public required bool Cfg { get; init; }

    /// <summary>Steps between two previews in the progress (<see cref="GenerationProgress.Preview"/>), the last step always
    /// included; 0: none.</summary>
    public int PreviewEvery { get; init; }
}
