using System.Data.Common;
using Npgsql;

namespace Jano.Server.Queue;

/// <summary>The queue on PostgreSQL (through Npgsql), for servers and workers on several machines: a claim locks its row
/// with <c>FOR UPDATE SKIP LOCKED</c>, so concurrent workers never wait on, or take, the same job.</summary>
public sealed class PostgresJobStore : SqlJobStore
{
    // Any constant: serialises table creation and queue-length checks (transaction-scoped advisory lock).
    private const long LockKey = 0x4a414e4f;

    private readonly NpgsqlDataSource _source;
    private readonly string _describe;

    public PostgresJobStore(string connectionString, TimeProvider? clock = null) : base(clock)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        _describe = $"PostgreSQL {b.Host}:{b.Port}/{b.Database}";
        _source = NpgsqlDataSource.Create(b);
    }

    public override string Describe => _describe;

    protected override string BlobType => "BYTEA";

    protected override string ClaimLock => "FOR UPDATE SKIP LOCKED";

    protected override string? QueueLock => $"SELECT pg_advisory_xact_lock({LockKey})";

    protected override string LimitAll => "LIMIT ALL";

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancel) =>
        await _source.OpenConnectionAsync(cancel).ConfigureAwait(false);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _source.Dispose();
        base.Dispose(disposing);
    }
}
