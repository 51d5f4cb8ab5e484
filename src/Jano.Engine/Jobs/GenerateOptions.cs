using Jano.Engine.Pipelines;

namespace Jano.Engine.Jobs;

/// <summary>Everything <c>jano generate</c> takes; nulls mean the model's default.</summary>
public sealed record GenerateOptions
{
    public required string Prompt { get; init; }
    /// <summary>A catalog name, or the path of a checkpoint folder (a Wan2.1-T2V release or Diffusers folder).</summary>
    public string Model { get; init; } = Catalog.ModelCatalog.DefaultModel;
    public string Accel { get; init; } = "none";
    public string? AccelOptions { get; init; }
    public int? Steps { get; init; }
    public long Seed { get; init; } = 42;
    public double? Guidance { get; init; }
    public double? Shift { get; init; }
    /// <summary>Width and height in pixels.</summary>
    public (int W, int H)? Size { get; init; }
    public int? Frames { get; init; }
    public string? NegativePrompt { get; init; }
    public int Repeats { get; init; } = 1;
    public bool Compare { get; init; }
    public required string OutDir { get; init; }
    public string Device { get; init; } = "cpu";
    /// <summary>float32 or bfloat16; null: the model's default (float32; bfloat16 for Wan folders).</summary>
    public string? DType { get; init; }
    /// <summary><c>unipc</c> or <c>euler</c>; null: the model's default (euler; unipc for Wan).</summary>
    public string? Sampler { get; init; }
    /// <summary>Intra-op threads; null keeps libtorch's default.</summary>
    public int? Threads { get; init; }
    /// <summary>Memory (GiB) a run may be estimated to need before it is refused; null: the machine's physical memory.</summary>
    public double? MaxMemoryGiB { get; init; }
    /// <summary>Batch cond and uncond into one forward; null: the model's default (batched; one by one for Wan).</summary>
    public bool? BatchBranches { get; init; }

    /// <summary>The generation these options ask for (defaults still to be filled in by the pipeline).</summary>
    public GenerationRequest ToRequest() => new()
    {
        Prompt = Prompt,
        NegativePrompt = NegativePrompt,
        Steps = Steps,
        Seed = Seed,
        Guidance = Guidance,
        Shift = Shift,
        Sampler = Sampler,
        Width = Size?.W,
        Height = Size?.H,
        Frames = Frames,
        BatchBranches = BatchBranches,
    };
}
