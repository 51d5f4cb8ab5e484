using System.Text.Json.Serialization;

namespace Jano.Engine.Jobs;

/// <summary>The paper's Section-3 study on one model (definitions in docs/metrics.md).</summary>
public sealed class StudyResult
{
    public sealed record RecognitionRow(
        [property: JsonPropertyName("warmup_steps")] int WarmupSteps,
        [property: JsonPropertyName("analyzer_accuracy")] double AnalyzerAccuracy,
        [property: JsonPropertyName("fft_accuracy")] double FftAccuracy);

    /// <summary>
    /// What freezing costs, per generation at the model's Jano preset (W warm-up, C cool-down, static interval), averaged
    /// over generations: the stale-velocity error of each block |v(s) − v(last full step)| over the interleaved phase
    /// W + 1 … S − C, against the analyzer's score after W steps, the oracle score (mean |v(s) − v(s − 1)| over the same
    /// steps) and the plain warm-up predictor |v(W) − v(W − 1)|.
    /// </summary>
    public sealed record StaleErrorStudy(
        [property: JsonPropertyName("warmup_steps")] int WarmupSteps,
        [property: JsonPropertyName("static_interval")] int StaticInterval,
        [property: JsonPropertyName("analyzer_spearman")] double AnalyzerSpearman,
        [property: JsonPropertyName("analyzer_spearman_p")] double AnalyzerSpearmanP,
        [property: JsonPropertyName("oracle_spearman")] double OracleSpearman,
        [property: JsonPropertyName("analyzer_vs_oracle_spearman")] double AnalyzerVsOracleSpearman,
        [property: JsonPropertyName("warmup_predictor_spearman")] double WarmupPredictorSpearman,
        [property: JsonPropertyName("static_in_lowest_tercile")] double StaticInLowestTercile,
        [property: JsonPropertyName("static_fraction")] double StaticFraction,
        [property: JsonPropertyName("best_decile_error_ratio")] double BestDecileErrorRatio,
        [property: JsonPropertyName("analyzer_static_error_vs_random")] double AnalyzerStaticErrorVsRandom,
        [property: JsonPropertyName("oracle_static_error_vs_analyzer")] double OracleStaticErrorVsAnalyzer,
        [property: JsonPropertyName("generations")] int Generations);

    [JsonPropertyName("model")] public required string Model { get; init; }
    /// <summary>The prompts, each run <c>generations / prompts</c> times (seed 10000 + 100·prompt + sample).</summary>
    [JsonPropertyName("prompts")] public required string[] Prompts { get; init; }
    [JsonPropertyName("generations")] public required int Generations { get; init; }
    [JsonPropertyName("blocks")] public required int Blocks { get; init; }
    [JsonPropertyName("block_size")] public required string BlockSize { get; init; }
    [JsonPropertyName("steps")] public required int Steps { get; init; }
    /// <summary>Mean over generations of the Spearman correlation (complexity vs convergence across blocks).</summary>
    [JsonPropertyName("spearman")] public required double Spearman { get; init; }
    /// <summary>Two-sided p-value of a one-sample t-test of the per-generation Spearman coefficients against 0.</summary>
    [JsonPropertyName("spearman_p")] public required double SpearmanP { get; init; }
    [JsonPropertyName("spearman_per_generation")] public required double[] SpearmanPerGeneration { get; init; }
    /// <summary>Spearman over all (generation, block) pairs pooled.</summary>
    [JsonPropertyName("spearman_pooled")] public required double SpearmanPooled { get; init; }
    /// <summary>Two-sided p-value of the pooled coefficient (t approximation over all pairs; pairs within a generation are
    /// not independent, so read it as optimistic).</summary>
    [JsonPropertyName("spearman_pooled_p")] public required double SpearmanPooledP { get; init; }
    /// <summary>The stale-velocity error study at the preset (null when warm-up + cool-down leave no interleaved phase).</summary>
    [JsonPropertyName("stale_error")] public StaleErrorStudy? StaleError { get; init; }
    [JsonPropertyName("recognition")] public required RecognitionRow[] Recognition { get; init; }
    [JsonPropertyName("threads")] public required int Threads { get; init; }
    [JsonPropertyName("options")] public required Dictionary<string, string> Options { get; init; }
    [JsonPropertyName("version")] public required string Version { get; init; }
}
