using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Jano.Server.Queue;

/// <summary>The embedded default queue: a SQLite file (WAL journal) that the server and workers on the same machine share.
/// Writes run in <c>BEGIN IMMEDIATE</c> transactions, so a claim holds the database's write lock while it picks its row.</summary>
public sealed class SqliteJobStore : SqlJobStore
{
    private readonly string _connectionString;
    private readonly string _file;

    /// <param name="connectionString">A SQLite connection string (<c>Data Source=FILE</c>).</param>
    /// <param name="clock">Time source (tests); null: the system clock.</param>
    public SqliteJobStore(string connectionString, TimeProvider? clock = null) : base(clock)
    {
        var b = new SqliteConnectionStringBuilder(connectionString) { DefaultTimeout = 30, Pooling = true };
        _file = b.DataSource;
        _connectionString = b.ToString();
    }

    /// <summary>A store on <c>jano.db</c> in <paramref name="dataDir"/>.</summary>
    public static SqliteJobStore InFolder(string dataDir, TimeProvider? clock = null)
    {
        Directory.CreateDirectory(dataDir);
        return new SqliteJobStore(new SqliteConnectionStringBuilder { DataSource = Path.Combine(Path.GetFullPath(dataDir), "jano.db") }.ToString(), clock);
    }

    public override string Describe => $"SQLite {_file}";

    protected override string BlobType => "BLOB";

    protected override string ClaimLock => "";

    protected override string? QueueLock => null;

    protected override string LimitAll => "LIMIT -1";

    public override async Task InitializeAsync(CancellationToken cancel = default)
    {
        await using (var c = new SqliteConnection(_connectionString))
        {
            await c.OpenAsync(cancel).ConfigureAwait(false);
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA journal_mode=WAL";
            await cmd.ExecuteNonQueryAsync(cancel).ConfigureAwait(false);
        }
        await base.InitializeAsync(cancel).ConfigureAwait(false);
    }

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancel)
    {
        var c = new SqliteConnection(_connectionString);
        try
        {
            await c.OpenAsync(cancel).ConfigureAwait(false);
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000";
            await cmd.ExecuteNonQueryAsync(cancel).ConfigureAwait(false);
            return c;
        }
        catch
        {
            await c.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    protected override ValueTask<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancel) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));
}
