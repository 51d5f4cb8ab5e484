using System.Text.Json.Serialization;

namespace Jano.Engine.Bench;

/// <summary>timing.json of <see cref="WanTimingJob"/>: per-level forward times and the 50-step schedule ratio.</summary>
public sealed record WanTimingReport
{
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("weights")] public string Weights { get; init; } = "random";
    [JsonPropertyName("dtype")] public required string DType { get; init; }
    [JsonPropertyName("threads")] public required int Threads { get; init; }
    [JsonPropertyName("latent")] public required long[] Latent { get; init; }
    [JsonPropertyName("tokens")] public required int Tokens { get; init; }
    /// <summary>Static, medium, active fractions as requested.</summary>
    [JsonPropertyName("level_fractions")] public required double[] LevelFractions { get; init; }
    /// <summary>Rows computed per forward at each level (full, L3, L2, L1).</summary>
    [JsonPropertyName("rows")] public required Dictionary<string, int> Rows { get; init; }
    /// <summary>Every timed forward per level, seconds.</summary>
    [JsonPropertyName("samples_s")] public required Dictionary<string, double[]> Samples { get; init; }
    /// <summary>Median seconds per level.</summary>
    [JsonPropertyName("median_s")] public required Dictionary<string, double> Median { get; init; }
    /// <summary>Median per level / median full forward.</summary>
    [JsonPropertyName("relative")] public required Dictionary<string, double> Relative { get; init; }
    /// <summary>The authors' 50-step schedule: steps per level.</summary>
    [JsonPropertyName("schedule")] public required Dictionary<string, int> Schedule { get; init; }
    /// <summary>Σ steps·relative / 50: the schedule's time over 50 full steps.</summary>
    [JsonPropertyName("schedule_ratio")] public required double ScheduleRatio { get; init; }
    /// <summary>1 / <see cref="ScheduleRatio"/>.</summary>
    [JsonPropertyName("schedule_speedup")] public required double ScheduleSpeedup { get; init; }
    /// <summary>Jano's cache bytes this run held at its peak (one row: K/V of frozen tokens in the model dtype + output buffer).</summary>
    [JsonPropertyName("cache_bytes")] public long CacheBytes { get; init; }
    /// <summary><see cref="Jano.Acceleration.JanoMethod.JanoCacheMemory"/> for this run (<c>run</c>) and for a two-branch CFG
    /// generation per cache mode and dtype (<c>cfg_kv_float32</c>, <c>cfg_hidden_bfloat16</c>, …).</summary>
    [JsonPropertyName("cache_formula_bytes")] public Dictionary<string, long> CacheFormulaBytes { get; init; } = new();
}
