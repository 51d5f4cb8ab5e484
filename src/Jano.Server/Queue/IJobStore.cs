namespace Jano.Server.Queue;

/// <summary>
/// The durable job queue: jobs, their progress and outputs, and the workers, in a database every server and worker of one
/// deployment share. A worker claims a job with a lease (a random token and an expiry); heartbeats extend it, and
/// completion, failure and give-back commit only with the current token, so a worker whose lease expired (and whose job
/// went back to the queue) can never finish it a second time.
/// </summary>
public interface IJobStore
{
    /// <summary>Describes the database (for logs and <c>/api/workers</c>), without credentials.</summary>
    string Describe { get; }

    /// <summary>Creates the tables when missing.</summary>
    Task InitializeAsync(CancellationToken cancel = default);

    /// <summary>Adds jobs at the end of the queue, all or none.</summary>
    /// <exception cref="QueueFullException">More than <paramref name="maxWaiting"/> jobs would be queued or running.</exception>
    Task<IReadOnlyList<JobRecord>> EnqueueAsync(IReadOnlyList<JobSpec> specs, int maxWaiting, CancellationToken cancel = default);

    /// <summary>The newest <paramref name="limit"/> jobs, queued ones in run order first.</summary>
    Task<IReadOnlyList<JobRecord>> ListAsync(int limit, CancellationToken cancel = default);

    Task<JobRecord?> GetAsync(string id, CancellationToken cancel = default);

    /// <summary>A queued job is cancelled at once; a running one gets a cancellation request its worker sees at its next
    /// heartbeat. Returns the job after the change, or null when there is no such job.</summary>
    Task<JobRecord?> CancelAsync(string id, CancellationToken cancel = default);

    /// <summary>Removes a job that is not running, with its outputs. False when it does not exist or is running.</summary>
    Task<bool> DeleteAsync(string id, CancellationToken cancel = default);

    /// <summary>Moves the given queued jobs, in the given order, ahead of every other queued job. Returns how many moved.</summary>
    Task<int> ReorderAsync(IReadOnlyList<string> ids, CancellationToken cancel = default);

    /// <summary>Claims the first queued job whose model is in <paramref name="models"/>, with a new lease.</summary>
    Task<JobClaim?> ClaimAsync(string workerId, IReadOnlyCollection<string> models, TimeSpan lease, CancellationToken cancel = default);

    /// <summary>Extends the lease and stores <paramref name="progress"/> (when given).</summary>
    Task<LeaseStatus> HeartbeatAsync(string id, string token, TimeSpan lease, string? progress, CancellationToken cancel = default);

    /// <summary>Marks the job done with its summary and outputs, only while <paramref name="token"/> holds the lease.</summary>
    Task<bool> CompleteAsync(string id, string token, string result, IReadOnlyList<JobOutput> outputs, CancellationToken cancel = default);

    /// <summary>Marks the job failed with <paramref name="reason"/>, only while <paramref name="token"/> holds the lease.</summary>
    Task<bool> FailAsync(string id, string token, string reason, CancellationToken cancel = default);

    /// <summary>Marks the job cancelled (its cancellation was asked for), only while <paramref name="token"/> holds the lease.</summary>
    Task<bool> CancelledAsync(string id, string token, CancellationToken cancel = default);

    /// <summary>Puts the job back in the queue (its worker stops), not counting the attempt, only with the current token.</summary>
    Task<bool> ReleaseAsync(string id, string token, CancellationToken cancel = default);

    /// <summary>Jobs whose lease expired go back to the queue, or fail once they were claimed <paramref name="maxAttempts"/>
    /// times (or end cancelled when that was asked for). Returns how many changed.</summary>
    Task<int> RecoverExpiredAsync(int maxAttempts, CancellationToken cancel = default);

    /// <summary>One stored output, or null.</summary>
    Task<JobOutput?> GetOutputAsync(string id, string name, CancellationToken cancel = default);

    /// <summary>The names of a job's stored outputs.</summary>
    Task<IReadOnlyList<string>> OutputNamesAsync(string id, CancellationToken cancel = default);

    /// <summary>Records a worker's heartbeat (creating it when new).</summary>
    Task WorkerHeartbeatAsync(WorkerRecord worker, CancellationToken cancel = default);

    /// <summary>Workers that reported within <paramref name="maxAge"/>.</summary>
    Task<IReadOnlyList<WorkerRecord>> ListWorkersAsync(TimeSpan maxAge, CancellationToken cancel = default);

    Task RemoveWorkerAsync(string id, CancellationToken cancel = default);

    /// <summary>Deletes finished jobs (and outputs) beyond the newest <paramref name="keep"/>. Returns how many went.</summary>
    Task<int> PruneAsync(int keep, CancellationToken cancel = default);
}
