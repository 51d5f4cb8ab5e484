using System.Text.Json.Serialization;

namespace Jano.Engine.Jobs;

/// <summary>The paper's Section-3 study on one model (definitions in docs/metrics.md).</summary>
public sealed class StudyResult
{
    public sealed record RecognitionRow(
        [property: JsonPropertyName("warmup_steps")] int WarmupSteps,
        [property: JsonPropertyName("analyzer_accuracy")] double AnalyzerAccuracy,
        [property: JsonPropertyName("fft_accuracy")] double FftAccuracy);

    [JsonPropertyName("model")] public required string Model { get; init; }
    /// <summary>The prompts, each run <c>generations / prompts</c> times (seed 10000 + 100·prompt + sample).</summary>
    [JsonPropertyName("prompts")] public required string[] Prompts { get; init; }
    [JsonPropertyName("generations")] public required int Generations { get; init; }
    [JsonPropertyName("blocks")] public required int Blocks { get; init; }
    [JsonPropertyName("block_size")] public required string BlockSize { get; init; }
    [JsonPropertyName("steps")] public required int Steps { get; init; }
    /// <summary>Mean over generations of the Spearman correlation (complexity vs convergence across blocks).</summary>
    [JsonPropertyName("spearman")] public required double Spearman { get; init; }
    [JsonPropertyName("spearman_per_generation")] public required double[] SpearmanPerGeneration { get; init; }
    /// <summary>Spearman over all (generation, block) pairs pooled.</summary>
    [JsonPropertyName("spearman_pooled")] public required double SpearmanPooled { get; init; }
    [JsonPropertyName("recognition")] public required RecognitionRow[] Recognition { get; init; }
    [JsonPropertyName("threads")] public required int Threads { get; init; }
    [JsonPropertyName("options")] public required Dictionary<string, string> Options { get; init; }
    [JsonPropertyName("version")] public required string Version { get; init; }
}
