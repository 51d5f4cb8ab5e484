namespace Jano.Acceleration.JanoMethod;

/// <summary>Where Jano's level map comes from. Every source keeps the analyzer's level fractions for the generation;
/// the non-analyzer sources only decide which blocks get which level (for studying the analyzer, not for use).</summary>
public enum JanoMapSource
{
    /// <summary>The complexity analyzer after the warm-up steps (the method).</summary>
    Analyzer,

    /// <summary>Blocks ranked by what freezing them actually costs, measured on the same seed's full run and supplied by
    /// the caller (<see cref="JanoAccelerator.WithBlockScores"/>): the least-changing blocks are frozen longest.</summary>
    Oracle,

    /// <summary>Blocks ranked at random (seeded by <c>map_seed</c> and the generation's initial noise).</summary>
    Random,
}
