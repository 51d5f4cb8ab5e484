using System.Text.Json.Serialization;

namespace Jano.Engine.Jobs;

/// <summary>The <c>report.json</c> of one <c>jano generate</c>.</summary>
public sealed class GenerationReport
{
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("weights")] public required string Weights { get; init; }
    [JsonPropertyName("prompt")] public required string Prompt { get; init; }
    [JsonPropertyName("accel")] public required string Accel { get; init; }
    [JsonPropertyName("options")] public required Dictionary<string, string> Options { get; init; }
    [JsonPropertyName("steps")] public required int Steps { get; init; }
    [JsonPropertyName("seed")] public required long Seed { get; init; }
    [JsonPropertyName("guidance")] public required double Guidance { get; init; }
    [JsonPropertyName("shift")] public required double Shift { get; init; }
    /// <summary>Sampler: <c>euler</c> or <c>unipc</c> (Wan).</summary>
    [JsonPropertyName("sampler")] public string? Sampler { get; init; }
    [JsonPropertyName("size")] public required string Size { get; init; }
    [JsonPropertyName("frames")] public required int Frames { get; init; }
    [JsonPropertyName("threads")] public required int Threads { get; init; }
    [JsonPropertyName("device")] public required string Device { get; init; }
    [JsonPropertyName("dtype")] public required string DType { get; init; }
    [JsonPropertyName("version")] public required string Version { get; init; }
    [JsonPropertyName("repeats")] public required int Repeats { get; init; }
    /// <summary>Median seconds of the denoising loop (analysis and cache work included).</summary>
    [JsonPropertyName("latency_s")] public required double LatencySeconds { get; init; }
    [JsonPropertyName("latency_samples_s")] public required double[] LatencySamples { get; init; }
    [JsonPropertyName("analysis_s")] public double AnalysisSeconds { get; init; }
    [JsonPropertyName("step_levels")] public required string[] StepLevels { get; init; }
    [JsonPropertyName("tokens_per_step")] public required long[] TokensPerStep { get; init; }
    [JsonPropertyName("step_seconds")] public required double[] StepSeconds { get; init; }
    /// <summary>Median seconds of a step per level label.</summary>
    [JsonPropertyName("time_per_level_s")] public required Dictionary<string, double> TimePerLevel { get; init; }
    [JsonPropertyName("computed_token_fraction")] public required double ComputedTokenFraction { get; init; }
    [JsonPropertyName("level_fractions")] public Dictionary<string, double>? LevelFractions { get; init; }
    [JsonPropertyName("cache_bytes")] public long CacheBytes { get; init; }
    [JsonPropertyName("notes")] public string[] Notes { get; init; } = [];

    // --compare only
    [JsonPropertyName("baseline_latency_s")] public double? BaselineLatencySeconds { get; init; }
    [JsonPropertyName("baseline_latency_samples_s")] public double[]? BaselineLatencySamples { get; init; }
    [JsonPropertyName("speedup")] public double? Speedup { get; init; }
    [JsonPropertyName("psnr")] public double? Psnr { get; init; }
    [JsonPropertyName("ssim")] public double? Ssim { get; init; }
    [JsonPropertyName("identical")] public bool? Identical { get; init; }
    /// <summary>Median step time per level divided by the baseline's median full step time (same run).</summary>
    [JsonPropertyName("relative_step_time")] public Dictionary<string, double>? RelativeStepTime { get; init; }

    [JsonPropertyName("files")] public List<string> Files { get; init; } = [];
}
