namespace Jano.Server.Workers;

/// <summary>How a worker claims and holds jobs.</summary>
public sealed record WorkerOptions
{
    /// <summary>How long a claim holds without a heartbeat; a worker silent for longer loses its job to the queue.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Claims per job before a lost lease fails it.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>How often an idle worker looks for a job.</summary>
    public TimeSpan Poll { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often a running job's progress is written (each write also extends the lease).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>Previews per denoising run sent with the progress: every max(1, steps / N) steps and on the last step
    /// (<see cref="JanoRequest.PreviewEvery"/>); 0 sends none. Their time is left out of the job's timings.</summary>
    public int PreviewsPerRun { get; init; } = 8;

    /// <summary>Folder for a job's files while they are written (the outputs then go to the queue's database).</summary>
    public required string WorkDir { get; init; }

    /// <summary>This worker's id in the queue (host and process by default).</summary>
    public string Id { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
}
