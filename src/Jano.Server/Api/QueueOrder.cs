namespace Jano.Server.Api;

/// <summary>The body of <c>POST /api/queue/order</c>: job ids to run first, in this order.</summary>
public sealed record QueueOrder(IReadOnlyList<string>? Ids);
