namespace Jano.Engine.Pipelines;

/// <summary>
/// What a caller asks of one generation. Null members mean the model's default (<see cref="ModelDefaults"/>);
/// <see cref="IDiffusionPipeline.Resolve"/> fills them in and checks everything (load-time settings live in
/// <see cref="Catalog.LoadOptions"/>).
/// </summary>
public sealed record GenerationRequest
{
    /// <summary>The prompt (for the class-conditional models: a class name).</summary>
    public required string Prompt { get; init; }

    /// <summary>Negative prompt of the unconditional branch (null: the model's default; class-conditional models have none).</summary>
    public string? NegativePrompt { get; init; }

    public int? Steps { get; init; }

    public long Seed { get; init; } = 42;

    /// <summary>Classifier-free guidance scale; 1 runs the conditional branch only.</summary>
    public double? Guidance { get; init; }

    /// <summary>Timestep shift of the shift schedules.</summary>
    public double? Shift { get; init; }

    /// <summary>Sampler name (see <see cref="IDiffusionPipeline.Samplers"/>).</summary>
    public string? Sampler { get; init; }

    /// <summary>Output width in pixels.</summary>
    public int? Width { get; init; }

    /// <summary>Output height in pixels.</summary>
    public int? Height { get; init; }

    /// <summary>Output frames (1 for an image).</summary>
    public int? Frames { get; init; }

    /// <summary>Run cond and uncond as one batch of 2 (caches and buffers stay per branch row either way).</summary>
    public bool? BatchBranches { get; init; }

    /// <summary>Send a low-resolution preview of the predicted clean picture with the progress every this many steps (and on
    /// the last step); 0 (the default) sends none. Previews are computed outside the timed step and run, and do not change
    /// the output.</summary>
    public int PreviewEvery { get; init; }
}
