using Jano.Models.Dit;

namespace Jano.Engine.Catalog;

/// <summary>A catalog entry: architecture, defaults and the Jano preset of one model.</summary>
public sealed record ModelSpec
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required DitConfig Config { get; init; }
    /// <summary>Default latent [C, T, H, W] (pixel space for the Fashion-MNIST models).</summary>
    public required long[] LatentShape { get; init; }
    public required int Steps { get; init; }
    public required double Shift { get; init; }
    public required double Guidance { get; init; }
    /// <summary>Jano options as <c>k=v,...</c> applied over Jano's defaults.</summary>
    public required string JanoPreset { get; init; }
    /// <summary>Frames per second of written videos.</summary>
    public int Fps { get; init; } = 8;
    /// <summary>Seed of the random weights used when no trained weights are shipped.</summary>
    public long RandomSeed { get; init; } = 1234;
    /// <summary>Weights file relative to the assets folder; random weights when it does not exist.</summary>
    public string WeightsFile { get; init; } = "";
    /// <summary>Classifier used by <c>jano eval</c>, relative to the assets folder (empty: the model cannot be evaluated).</summary>
    public string ClassifierFile { get; init; } = "";
    /// <summary>Samples per class that <c>jano eval</c> generates by default.</summary>
    public int EvalSamplesPerClass { get; init; } = 20;

    public bool IsVideo => LatentShape[1] > 1;

    public int Width => (int)LatentShape[3];

    public int Height => (int)LatentShape[2];

    public int Frames => (int)LatentShape[1];
}
