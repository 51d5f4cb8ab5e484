using System.Text.Json.Serialization;

namespace Jano.Engine.Calibration;

/// <summary>One Jano threshold setting measured by <c>jano calibrate</c> (means over the calibration prompts and seeds).</summary>
public sealed record JanoCalibrationRow
{
    [JsonPropertyName("static_thresh")] public required double StaticThresh { get; init; }
    [JsonPropertyName("medium_thresh")] public required double MediumThresh { get; init; }
    /// <summary>Share of token-steps not computed (1 − computed token fraction).</summary>
    [JsonPropertyName("skipped")] public required double Skipped { get; init; }
    [JsonPropertyName("psnr")] public required double Psnr { get; init; }
    /// <summary>Median level-1 / level-2 step time relative to the median full step of the same run (NaN when absent).</summary>
    [JsonPropertyName("l1_cost")] public required double L1Cost { get; init; }
    [JsonPropertyName("l2_cost")] public required double L2Cost { get; init; }
    /// <summary>Computed token share on level-1 (active) and level-2 (medium + active) steps.</summary>
    [JsonPropertyName("l1_share")] public required double L1Share { get; init; }
    [JsonPropertyName("l2_share")] public required double L2Share { get; init; }
}
