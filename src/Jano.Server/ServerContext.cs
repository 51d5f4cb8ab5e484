using Jano.Server.Api;
using Jano.Server.Queue;
using Jano.Server.Security;
using Jano.Server.Workers;

namespace Jano.Server;

/// <summary>What the endpoints share: the queue, the server's own models (null when it holds none), limits and access.</summary>
public sealed record ServerContext(IJobStore Store, ModelHost? Models, ServerLimits Limits, AccessPolicy Policy)
{
    public SubmissionValidator Validator { get; } = new(Limits);
}
