namespace Jano.Engine.Jobs;

/// <summary>One evaluated sample (an image, or a clip whose per-frame values are averaged).</summary>
public sealed record EvalSampleResult
{
    public required int Class { get; init; }
    public required long Seed { get; init; }
    /// <summary>Fraction of the sample's frames the classifier assigns to <see cref="Class"/>, full compute.</summary>
    public required double HitFull { get; init; }
    /// <summary>The same for the Jano run.</summary>
    public required double HitJano { get; init; }
    /// <summary>Whole-frame PSNR of Jano against full (dB; an identical frame counts as 60).</summary>
    public required double Psnr { get; init; }
    public required double Ssim { get; init; }
    /// <summary>Object-region PSNR (dB; NaN when the region is empty).</summary>
    public required double PsnrRegion { get; init; }
    public required double SsimRegion { get; init; }
    /// <summary>Share of pixels inside the object region.</summary>
    public required double RegionCoverage { get; init; }
    public required double LatencyFull { get; init; }
    public required double LatencyJano { get; init; }
    public required double ComputedTokenFraction { get; init; }
    /// <summary>Jano's token shares (static, moderate, active), or null when it reported none.</summary>
    public required IReadOnlyDictionary<string, double>? LevelFractions { get; init; }
}
