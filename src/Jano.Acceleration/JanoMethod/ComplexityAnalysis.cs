namespace Jano.Acceleration.JanoMethod;

/// <summary>
/// Result of <see cref="ComplexityAnalyzer.Analyze"/>: per-block scores and levels on the analysis grid.
/// Every per-block array has length <c>nt·nh·nw</c> in <c>(t, h, w)</c> row-major order.
/// </summary>
public sealed class ComplexityAnalysis
{
    internal ComplexityAnalysis((int T, int H, int W) grid, float[] rawScore, float[] score, int[] levels,
        int featureCount, int lag, bool degenerate, float[] temporal, float[] spatial)
    {
        Grid = grid;
        RawScore = rawScore;
        Score = score;
        Levels = levels;
        FeatureCount = featureCount;
        Lag = lag;
        Degenerate = degenerate;
        Temporal = temporal;
        Spatial = spatial;
    }

    /// <summary>Block grid <c>(nt, nh, nw)</c> after padding the latent to block multiples.</summary>
    public (int T, int H, int W) Grid { get; }

    /// <summary>Min-max normalised combined score, before the inward enhancement.</summary>
    public float[] RawScore { get; }

    /// <summary>Score after the inward enhancement (equal to <see cref="RawScore"/> when it is disabled);
    /// not re-normalised, so values may exceed 1. The levels are thresholds of this score.</summary>
    public float[] Score { get; }

    /// <summary>Block level: 1 static, 2 medium, 3 active.</summary>
    public int[] Levels { get; }

    /// <summary>Number of analysed features <c>n</c>.</summary>
    public int FeatureCount { get; }

    /// <summary>Step lag <c>⌊n/2⌋</c> of the second-order differences.</summary>
    public int Lag { get; }

    /// <summary>True when the combined score was constant (max == min): the scores are all zero and every
    /// block is level 3, i.e. the caller falls back to full compute.</summary>
    public bool Degenerate { get; }

    /// <summary>Raw temporal dynamics per block (zero when T == 1), for diagnostics.</summary>
    public float[] Temporal { get; }

    /// <summary>Raw spatial dynamics per block, for diagnostics.</summary>
    public float[] Spatial { get; }
}
