namespace Jano.Server.Queue;

/// <summary>A worker as it last reported itself (times in Unix milliseconds).</summary>
public sealed record WorkerRecord
{
    public required string Id { get; init; }

    public required string Host { get; init; }

    /// <summary>The models it claims jobs for.</summary>
    public required IReadOnlyList<string> Models { get; init; }

    public long StartedMs { get; init; }

    public long HeartbeatMs { get; init; }

    /// <summary>The job it runs, if any.</summary>
    public string? Job { get; init; }
}
