using System.Text.Json.Serialization;

namespace Jano.Engine.Bench;

/// <summary>timing.json of <see cref="FluxTimingJob"/>: per-level forward times of a truncated FLUX.1 DiT, the 50-step schedule
/// ratio, peak memory and Jano's cache bytes against the formula (measured and for the full model).</summary>
public sealed record FluxTimingReport
{
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("weights")] public string Weights { get; init; } = "random";
    [JsonPropertyName("dtype")] public required string DType { get; init; }
    [JsonPropertyName("threads")] public required int Threads { get; init; }
    [JsonPropertyName("hidden_size")] public required int HiddenSize { get; init; }
    [JsonPropertyName("double_blocks")] public required int DoubleBlocks { get; init; }
    [JsonPropertyName("single_blocks")] public required int SingleBlocks { get; init; }
    [JsonPropertyName("latent")] public required long[] Latent { get; init; }
    [JsonPropertyName("image_tokens")] public required int ImageTokens { get; init; }
    [JsonPropertyName("text_tokens")] public required int TextTokens { get; init; }
    [JsonPropertyName("level_fractions")] public required double[] LevelFractions { get; init; }
    /// <summary>Image rows computed per forward at each level (full, L3, L2, L1); text rows are always computed.</summary>
    [JsonPropertyName("rows")] public required Dictionary<string, int> Rows { get; init; }
    [JsonPropertyName("samples_s")] public required Dictionary<string, double[]> Samples { get; init; }
    [JsonPropertyName("median_s")] public required Dictionary<string, double> Median { get; init; }
    [JsonPropertyName("relative")] public required Dictionary<string, double> Relative { get; init; }
    /// <summary>Levels the FLUX preset's interleaved schedule gives 50 steps (warm-up 7, cool-down 2, intervals 12 / 4).</summary>
    [JsonPropertyName("schedule")] public required Dictionary<string, int> Schedule { get; init; }
    [JsonPropertyName("schedule_ratio")] public required double ScheduleRatio { get; init; }
    [JsonPropertyName("schedule_speedup")] public required double ScheduleSpeedup { get; init; }
    /// <summary>Levels taken from timing.partial.json of an earlier run.</summary>
    [JsonPropertyName("resumed_levels")] public required string[] ResumedLevels { get; init; }
    /// <summary>Parameters of the truncated model (built) and of the full model (formula).</summary>
    [JsonPropertyName("parameters")] public required long Parameters { get; init; }
    [JsonPropertyName("full_model_parameters")] public required long FullModelParameters { get; init; }
    /// <summary>Peak resident memory of the process after building the model and after the timed forwards (bytes; the
    /// process's high-water mark, so it includes anything the process held before).</summary>
    [JsonPropertyName("peak_rss_after_load_bytes")] public required long PeakRssAfterLoadBytes { get; init; }
    [JsonPropertyName("peak_rss_bytes")] public required long PeakRssBytes { get; init; }
    /// <summary>Jano's cache this run held at its peak (one row: frozen image tokens' K/V in the model dtype + output buffer).</summary>
    [JsonPropertyName("cache_bytes")] public required long CacheBytes { get; init; }
    /// <summary>The formula for this run (<c>run</c>) and for the full model (<c>full_model</c>: all blocks, one row, no CFG).</summary>
    [JsonPropertyName("cache_formula_bytes")] public required Dictionary<string, long> CacheFormulaBytes { get; init; }
    /// <summary>The full model's memory by part (bytes): DiT weights, activations of one forward, T5-XXL weights.</summary>
    [JsonPropertyName("full_model_memory_bytes")] public required Dictionary<string, long> FullModelMemoryBytes { get; init; }
}
