namespace Jano.Server.Queue;

/// <summary>Opens the queue named on the command line.</summary>
public static class JobStores
{
    /// <summary><paramref name="db"/>: a PostgreSQL connection string (<c>Host=...;Database=...</c>) or a SQLite one
    /// (<c>Data Source=FILE</c>); null: SQLite <c>jano.db</c> in <paramref name="dataDir"/>.</summary>
    public static SqlJobStore Open(string? db, string dataDir)
    {
        if (string.IsNullOrWhiteSpace(db)) return SqliteJobStore.InFolder(dataDir);
        if (db.Contains("Host=", StringComparison.OrdinalIgnoreCase) || db.Contains("Server=", StringComparison.OrdinalIgnoreCase))
            return new PostgresJobStore(db);
        if (db.Contains("Data Source=", StringComparison.OrdinalIgnoreCase)) return new SqliteJobStore(db);
        throw new Core.UsageException("--db: expected a PostgreSQL connection string (Host=...;Database=...;Username=...) or a SQLite one (Data Source=FILE)");
    }
}
