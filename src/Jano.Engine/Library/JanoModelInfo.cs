namespace Jano;

/// <summary>A model's defaults: what a <see cref="JanoRequest"/> gets for every field left null.</summary>
public sealed record JanoModelInfo
{
    /// <summary>Catalog name (<c>fmnist-video</c>), or the matching Wan2.1 entry for a checkpoint folder.</summary>
    public required string Name { get; init; }

    public required string Description { get; init; }

    /// <summary>Default width in pixels.</summary>
    public required int Width { get; init; }

    /// <summary>Default height in pixels.</summary>
    public required int Height { get; init; }

    /// <summary>Default frame count (1 for an image model).</summary>
    public required int Frames { get; init; }

    public required int Steps { get; init; }

    public required double Guidance { get; init; }

    public required double Shift { get; init; }

    /// <summary>Frames per second of written videos.</summary>
    public required int Fps { get; init; }

    /// <summary>Jano options (<c>k=v,...</c>) this model applies over Jano's defaults.</summary>
    public required string JanoPreset { get; init; }

    /// <summary>The prompts the model accepts, or null for free text (Wan2.1).</summary>
    public IReadOnlyList<string>? Prompts { get; init; }

    /// <summary>True when trained weights were found (catalog models fall back to seeded random weights).</summary>
    public required bool HasWeights { get; init; }

    /// <summary>True for a video model (more than one default frame).</summary>
    public bool IsVideo => Frames > 1;
}
