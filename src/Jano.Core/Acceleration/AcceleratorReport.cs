namespace Jano.Core.Acceleration;

/// <summary>What a session measured and decided.</summary>
public sealed class AcceleratorReport
{
    public string Method { get; init; } = "none";

    /// <summary>Seconds spent in analysis (Jano's complexity analysis), excluded from nothing: it is part of latency.</summary>
    public double AnalysisSeconds { get; init; }

    /// <summary>Shares of tokens per convergence level (static, moderate, active), when the method has levels.</summary>
    public IReadOnlyDictionary<string, double>? LevelFractions { get; init; }

    /// <summary>Token level per latent token (1..3) in patch-embedding order, when the method has levels.</summary>
    public int[]? TokenLevels { get; init; }

    /// <summary>Token grid (T, H, W) matching <see cref="TokenLevels"/>.</summary>
    public (int T, int H, int W)? TokenGrid { get; init; }

    /// <summary>Bytes held in caches at their peak.</summary>
    public long CacheBytes { get; init; }

    /// <summary>Free-form facts (e.g. "degenerate score: fell back to full compute").</summary>
    public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();
}
