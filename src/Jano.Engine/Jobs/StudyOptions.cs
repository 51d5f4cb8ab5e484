using Jano.Engine.Catalog;

namespace Jano.Engine.Jobs;

/// <summary>Everything <c>jano analyze --model</c> (the Section-3 study) takes.</summary>
public sealed record StudyOptions
{
    /// <summary>A catalog name or a checkpoint folder.</summary>
    public string Model { get; init; } = ModelCatalog.DefaultModel;
    /// <summary>A model entry not in the catalog (tests use tiny ones); overrides <see cref="Model"/>.</summary>
    public ModelEntry? Entry { get; init; }
    /// <summary>Analyzer options <c>k=v,...</c> over the model's Jano preset.</summary>
    public string? AnalyzerOptions { get; init; }
    /// <summary>Prompts, spread over the model's sample prompts (null: all of them, e.g. every Fashion-MNIST class).</summary>
    public int? Prompts { get; init; }
    /// <summary>Generations per prompt.</summary>
    public int SamplesPerPrompt { get; init; } = 2;
    /// <summary>Denoising steps (default: the model's); at least 4.</summary>
    public int? Steps { get; init; }
    public int? Threads { get; init; }
    public required string OutDir { get; init; }
}
