using System.Text.Json.Serialization;

namespace Jano.Engine.Bench;

/// <summary>One bench run (one method, setting, prompt and seed); written as one line of <c>bench.jsonl</c>.</summary>
public sealed record BenchRecord
{
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("weights")] public required string Weights { get; init; }
    [JsonPropertyName("method")] public required string Method { get; init; }
    [JsonPropertyName("setting")] public required string Setting { get; init; }
    [JsonPropertyName("options")] public required Dictionary<string, string> Options { get; init; }
    [JsonPropertyName("prompt")] public required string Prompt { get; init; }
    [JsonPropertyName("seed")] public required long Seed { get; init; }
    [JsonPropertyName("threads")] public required int Threads { get; init; }
    [JsonPropertyName("steps")] public required int Steps { get; init; }
    /// <summary>Seconds of the denoising loop per timed repeat.</summary>
    [JsonPropertyName("latency_samples")] public required double[] LatencySamples { get; init; }
    [JsonPropertyName("latency_median")] public required double LatencyMedian { get; init; }
    /// <summary>Median latency of the full-compute run of the same prompt and seed in this process.</summary>
    [JsonPropertyName("full_latency_median")] public required double FullLatencyMedian { get; init; }
    [JsonPropertyName("speedup")] public required double Speedup { get; init; }
    /// <summary>Mean per-frame PSNR (dB) against the same-seed full output; 60 when identical.</summary>
    [JsonPropertyName("psnr")] public required double Psnr { get; init; }
    [JsonPropertyName("ssim")] public required double Ssim { get; init; }
    [JsonPropertyName("identical")] public required bool Identical { get; init; }
    /// <summary>Analytic FLOPs of full compute / FLOPs this run did.</summary>
    [JsonPropertyName("ideal_speedup")] public required double IdealSpeedup { get; init; }
    [JsonPropertyName("flops")] public required double Flops { get; init; }
    [JsonPropertyName("cache_bytes")] public required long CacheBytes { get; init; }
    /// <summary>Process peak working set after this run (monotonic over the process).</summary>
    [JsonPropertyName("peak_rss_bytes")] public required long PeakRssBytes { get; init; }
    [JsonPropertyName("computed_token_fraction")] public required double ComputedTokenFraction { get; init; }
    /// <summary>Step level label per step.</summary>
    [JsonPropertyName("step_levels")] public required string[] StepLevels { get; init; }
    /// <summary>Seconds spent in steps of each level label (first timed repeat).</summary>
    [JsonPropertyName("level_seconds")] public required Dictionary<string, double> LevelSeconds { get; init; }

    /// <summary>Seconds per step (first timed repeat).</summary>
    [JsonPropertyName("step_seconds")] public required double[] StepSeconds { get; init; }
    /// <summary>Share of the step's tokens computed, over all guidance branches, per step.</summary>
    [JsonPropertyName("step_token_share")] public required double[] StepTokenShare { get; init; }

    /// <summary>Identity of a run for <c>--resume</c>.</summary>
    [JsonIgnore] public string Key => RunKey(Method, Setting, Prompt, Seed);

    public static string RunKey(string method, string setting, string prompt, long seed) => $"{method}|{setting}|{prompt}|{seed}";
}
