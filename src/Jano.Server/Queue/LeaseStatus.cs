namespace Jano.Server.Queue;

/// <summary>What a heartbeat found.</summary>
public enum LeaseStatus
{
    /// <summary>The lease was extended.</summary>
    Held,

    /// <summary>The lease was extended and a cancellation was asked for.</summary>
    CancelRequested,

    /// <summary>The token is no longer the job's (the lease expired and the job went back to the queue, or it ended).</summary>
    Lost,
}
