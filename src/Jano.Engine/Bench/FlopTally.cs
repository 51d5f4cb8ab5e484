namespace Jano.Engine.Bench;

/// <summary>Analytic work counted during one generation by <see cref="FlopCountingAccelerator"/>.</summary>
public sealed class FlopTally
{
    /// <summary>Multiply-adds × 2 of the counted modules (attention projections, scores, MLP, cross-attention).</summary>
    public double Flops { get; set; }

    /// <summary>Block-stack runs (per forward, not per row).</summary>
    public int StacksRun { get; set; }

    /// <summary>Blocks whose MLP ran, on all or some of their rows (per forward, not per row).</summary>
    public int BlocksRun { get; set; }

    /// <summary>Attention computations that ran (per forward), by kind name.</summary>
    public Dictionary<string, int> AttentionRuns { get; } = new();

    public void Reset()
    {
        Flops = 0;
        StacksRun = 0;
        BlocksRun = 0;
        AttentionRuns.Clear();
    }
}
