using Jano.Server.Workers;

namespace Jano.Server;

/// <summary>Settings of <c>jano serve</c>.</summary>
public sealed record ServeOptions
{
    /// <summary>Port; 0 picks a free one (see <see cref="JanoServer.Address"/>).</summary>
    public int Port { get; init; } = 8188;

    /// <summary>Address to listen on; anything but loopback requires the token.</summary>
    public string Bind { get; init; } = "127.0.0.1";

    /// <summary>Folder of the SQLite queue (unless <see cref="Db"/>) and of a job's files while they are written.</summary>
    public required string DataDir { get; init; }

    /// <summary>Queue database connection string (PostgreSQL or SQLite); null: SQLite in <see cref="DataDir"/>.</summary>
    public string? Db { get; init; }

    /// <summary>In-process workers (0: the server only queues; workers elsewhere run the jobs).</summary>
    public int Workers { get; init; } = 1;

    /// <summary>File holding the access token (created with a random token when missing). Required beyond loopback.</summary>
    public string? TokenFile { get; init; }

    /// <summary>An origin allowed to call the API from another site (CORS); null: none.</summary>
    public string? CorsOrigin { get; init; }

    /// <summary>More host names the server answers to (besides loopback names and the bind address).</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    public ServerLimits Limits { get; init; } = new();

    /// <summary>Lease and polling of the in-process workers (also used to recover expired leases).</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    public int MaxAttempts { get; init; } = 3;
}
