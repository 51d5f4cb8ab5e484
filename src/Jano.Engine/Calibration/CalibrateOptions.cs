using Jano.Engine.Catalog;

namespace Jano.Engine.Calibration;

/// <summary>Everything <c>jano calibrate</c> takes.</summary>
public sealed record CalibrateOptions
{
    /// <summary>A catalog name or a checkpoint folder.</summary>
    public string Model { get; init; } = ModelCatalog.DefaultModel;
    /// <summary>A model entry not in the catalog (tests use tiny ones); overrides <see cref="Model"/>.</summary>
    public ModelEntry? Entry { get; init; }
    /// <summary>Prompts (spread over the model's sample prompts: the class names for the Fashion-MNIST models) for the
    /// step-cache signals.</summary>
    public int Prompts { get; init; } = 10;
    /// <summary>Prompts of those used for the Jano table (every Jano setting runs on each).</summary>
    public int JanoPrompts { get; init; } = 4;
    public int Seeds { get; init; } = 1;
    public int? Steps { get; init; }
    public int? Threads { get; init; }
    /// <summary>Output file (default: the model's <c>calibration.json</c>, beside its weights or in its checkpoint folder).</summary>
    public string? OutFile { get; init; }

    /// <summary>Calibration seeds start here; <c>jano bench</c> uses 42, 43, … so the two never share a seed.</summary>
    public const long FirstSeed = 9000;
}
