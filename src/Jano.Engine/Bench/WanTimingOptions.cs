using Jano.Models.Wan;

namespace Jano.Engine.Bench;

/// <summary>Settings of <see cref="WanTimingJob"/>: a Wan DiT with random weights timed per Jano step level.</summary>
public sealed record WanTimingOptions
{
    /// <summary>Catalog name written to timing.json.</summary>
    public required string Model { get; init; }
    public required WanConfig Config { get; init; }
    /// <summary>Latent [C, T, H, W].</summary>
    public required long[] LatentShape { get; init; }
    /// <summary>Fractions of static, medium and active tokens (sum 1); fixes the split since random weights make analysis meaningless.</summary>
    public required double[] LevelFractions { get; init; }
    /// <summary>Timed forwards per level (after one warm-up forward); at least 3.</summary>
    public int Forwards { get; init; } = 3;
    public TorchSharp.torch.ScalarType DType { get; init; } = TorchSharp.torch.ScalarType.Float32;
    /// <summary>Seed of the random weights, context, latent and token split.</summary>
    public long Seed { get; init; } = 1234;
    /// <summary>Folder of timing.json.</summary>
    public required string OutDir { get; init; }
}
