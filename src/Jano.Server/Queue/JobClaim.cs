namespace Jano.Server.Queue;

/// <summary>A job a worker claimed: it may heartbeat, complete or give it back only with <paramref name="Token"/>, and only
/// while the lease it holds has not expired and been taken over.</summary>
public sealed record JobClaim(JobRecord Job, string Token);
