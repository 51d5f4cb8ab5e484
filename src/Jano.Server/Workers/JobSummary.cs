namespace Jano.Server.Workers;

/// <summary>A finished job's figures (from its <c>report.json</c>) and output names, as the API shows them.</summary>
public sealed record JobSummary
{
    public required IReadOnlyList<string> Outputs { get; init; }

    public required string Worker { get; init; }

    public double LatencyS { get; init; }

    public double? BaselineLatencyS { get; init; }

    public double? Speedup { get; init; }

    public double? Psnr { get; init; }

    public double? Ssim { get; init; }

    public bool? Identical { get; init; }

    public double ComputedTokenFraction { get; init; }

    public int Steps { get; init; }

    public string Size { get; init; } = "";

    public int Frames { get; init; }

    public int Threads { get; init; }

    public IReadOnlyList<string> StepLevels { get; init; } = [];
}
