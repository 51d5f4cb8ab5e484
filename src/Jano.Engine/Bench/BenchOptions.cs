using Jano.Engine.Catalog;

namespace Jano.Engine.Bench;

/// <summary>Everything <c>jano bench</c> takes.</summary>
public sealed record BenchOptions
{
    /// <summary>A catalog name or a checkpoint folder.</summary>
    public string Model { get; init; } = ModelCatalog.DefaultModel;
    /// <summary>A model entry not in the catalog (tests use tiny ones); overrides <see cref="Model"/>.</summary>
    public ModelEntry? Entry { get; init; }
    /// <summary>Methods to compare with full compute (default: all of <see cref="BenchSettings.Methods"/>).</summary>
    public IReadOnlyList<string>? Methods { get; init; }
    /// <summary>Prompts, spread over the model's sample prompts (the class names for the Fashion-MNIST models).</summary>
    public int Prompts { get; init; } = 10;
    public int Seeds { get; init; } = 2;
    /// <summary>Timed repeats per run (latency samples).</summary>
    public int Repeats { get; init; } = 1;
    /// <summary>Denoising steps (default: the model's).</summary>
    public int? Steps { get; init; }
    public int? Threads { get; init; }
    public required string OutDir { get; init; }
    public bool Resume { get; init; }
    /// <summary>How many prompt/seed pairs (the first ones) also time every method's off setting (quick: 1).</summary>
    public int OffPairs { get; init; } = 2;
    /// <summary>2 prompts x 1 seed at half the model's steps (at least 10).</summary>
    public bool Quick { get; init; }
}
