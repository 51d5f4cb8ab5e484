using static TorchSharp.torch;

namespace Jano.Engine.Pipelines;

/// <summary>A model's default generation settings and the load dtype it runs in unless told otherwise.</summary>
public sealed record ModelDefaults
{
    public required int Steps { get; init; }

    public required double Guidance { get; init; }

    public required double Shift { get; init; }

    public required int Width { get; init; }

    public required int Height { get; init; }

    /// <summary>Frames (1: images).</summary>
    public required int Frames { get; init; }

    /// <summary>Sampler name (<see cref="Core.Sampling.Samplers"/>).</summary>
    public string Sampler { get; init; } = Core.Sampling.Samplers.Euler;

    /// <summary>Negative prompt of the unconditional branch (null: none).</summary>
    public string? NegativePrompt { get; init; }

    /// <summary>Batch cond and uncond into one forward (Wan runs them one by one, as the official code).</summary>
    public bool BatchBranches { get; init; } = true;

    /// <summary>Frames per second of written videos.</summary>
    public int Fps { get; init; } = 8;

    /// <summary>Weights dtype when <see cref="Catalog.LoadOptions.DType"/> is not given.</summary>
    public ScalarType DType { get; init; } = ScalarType.Float32;
}
