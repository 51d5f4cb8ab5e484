using Jano.Engine.Catalog;

namespace Jano.Engine.Calibration;

/// <summary>Everything <c>jano calibrate</c> takes.</summary>
public sealed record CalibrateOptions
{
    public string Model { get; init; } = ModelCatalog.DefaultModel;
    /// <summary>A model spec not in the catalog (tests use a tiny one); overrides <see cref="Model"/>.</summary>
    public ModelSpec? Spec { get; init; }
    /// <summary>Prompts (class names, spread over the classes) for the step-cache signals.</summary>
    public int Prompts { get; init; } = 10;
    /// <summary>Prompts of those used for the Jano table (every Jano setting runs on each).</summary>
    public int JanoPrompts { get; init; } = 4;
    public int Seeds { get; init; } = 1;
    public int? Steps { get; init; }
    public int? Threads { get; init; }
    /// <summary>Output file (default: <c>calibration.json</c> beside the model's weights).</summary>
    public string? OutFile { get; init; }

    /// <summary>Calibration seeds start here; <c>jano bench</c> uses 42, 43, … so the two never share a seed.</summary>
    public const long FirstSeed = 9000;
}
