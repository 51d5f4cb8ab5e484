namespace Jano.Engine.Jobs;

/// <summary>Everything <c>jano generate</c> takes; nulls mean the model's default.</summary>
public sealed record GenerateOptions
{
    public required string Prompt { get; init; }
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
    public string DType { get; init; } = "float32";
    /// <summary>Intra-op threads; null keeps libtorch's default.</summary>
    public int? Threads { get; init; }
    /// <summary>Batch cond and uncond into one forward.</summary>
    public bool BatchBranches { get; init; } = true;
}
