using Jano.Models.Flux;

namespace Jano.Engine.Bench;

/// <summary>Settings of <see cref="FluxTimingJob"/>: a FLUX.1 DiT of the catalog's width with random weights, truncated to a few
/// blocks, timed per Jano step level.</summary>
public sealed record FluxTimingOptions
{
    /// <summary>Catalog name written to timing.json.</summary>
    public required string Model { get; init; }

    /// <summary>The model's configuration (its block counts are replaced by <see cref="DoubleBlocks"/> and <see cref="SingleBlocks"/>).</summary>
    public required FluxConfig Config { get; init; }

    /// <summary>Double-stream blocks built and timed (FLUX.1: 19).</summary>
    public int DoubleBlocks { get; init; } = 1;

    /// <summary>Single-stream blocks built and timed (FLUX.1: 38).</summary>
    public int SingleBlocks { get; init; } = 2;

    /// <summary>Latent [16, 1, h, w] (1024x1024: [16, 1, 128, 128], 4096 image tokens).</summary>
    public required long[] LatentShape { get; init; }

    /// <summary>Text tokens (null: the config's T5 length, 512 for dev).</summary>
    public int? TextTokens { get; init; }

    /// <summary>Fractions of static, medium and active image tokens (sum 1).</summary>
    public required double[] LevelFractions { get; init; }

    /// <summary>Timed forwards per level (after one warm-up forward); at least 3.</summary>
    public int Forwards { get; init; } = 3;

    public TorchSharp.torch.ScalarType DType { get; init; } = TorchSharp.torch.ScalarType.BFloat16;

    /// <summary>Seed of the random weights, inputs and token split.</summary>
    public long Seed { get; init; } = 1234;

    /// <summary>Keep the levels a previous run with the same settings finished (timing.partial.json) and time only the rest.</summary>
    public bool Resume { get; init; }

    /// <summary>Folder of timing.json and timing.partial.json.</summary>
    public required string OutDir { get; init; }

    /// <summary>The truncated configuration that is built.</summary>
    public FluxConfig Truncated => Config with { Depth = DoubleBlocks, DepthSingleBlocks = SingleBlocks };
}
