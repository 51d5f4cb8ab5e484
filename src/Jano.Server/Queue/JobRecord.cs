namespace Jano.Server.Queue;

/// <summary>A job as the queue holds it. Times are Unix milliseconds.</summary>
public sealed record JobRecord
{
    public required string Id { get; init; }

    public required string Model { get; init; }

    /// <summary>One of <see cref="JobState"/>'s values.</summary>
    public required string State { get; init; }

    public required JobSpec Spec { get; init; }

    /// <summary>Queue order: lower runs first (then older first).</summary>
    public double Position { get; init; }

    /// <summary>Claims so far (a lease that expired counts; a job put back at shutdown does not).</summary>
    public int Attempts { get; init; }

    public long CreatedMs { get; init; }

    public long? StartedMs { get; init; }

    public long? FinishedMs { get; init; }

    /// <summary>The worker that holds (or last held) the job.</summary>
    public string? Worker { get; init; }

    /// <summary>Why the job failed, or was cancelled.</summary>
    public string? Error { get; init; }

    /// <summary>The latest progress event (JSON, see <see cref="Workers.ProgressSnapshot"/>).</summary>
    public string? Progress { get; init; }

    /// <summary>The finished job's summary (JSON, see <see cref="Workers.JobSummary"/>).</summary>
    public string? Result { get; init; }

    /// <summary>A cancellation was asked for while the job ran.</summary>
    public bool CancelRequested { get; init; }

    /// <summary>Bumped at every change of the row (progress included), for change detection.</summary>
    public long Version { get; init; }
}
