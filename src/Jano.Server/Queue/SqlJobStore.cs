using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Jano.Server.Queue;

/// <summary>
/// <see cref="IJobStore"/> in portable SQL over ADO.NET; <see cref="SqliteJobStore"/> and <see cref="PostgresJobStore"/>
/// supply the connection, the column type of blobs, and how a claim locks its row. Every change runs in one transaction,
/// bumps the row's <c>version</c>, and lease-guarded changes match <c>lease_token</c>, so a stale worker changes nothing.
/// Times are the clients' Unix milliseconds (keep the machines' clocks in sync; leases are seconds long).
/// </summary>
public abstract class SqlJobStore : IJobStore, IDisposable
{
    private const string Columns =
        "id, model, state, spec, position, attempts, created_ms, started_ms, finished_ms, worker, error, progress, result, cancel_requested, version";

    private readonly TimeProvider _clock;

    protected SqlJobStore(TimeProvider? clock)
    {
        _clock = clock ?? TimeProvider.System;
    }

    public abstract string Describe { get; }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the connection pool (PostgreSQL).</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>The column type of output bytes.</summary>
    protected abstract string BlobType { get; }

    /// <summary>Appended to the claim's row query (<c>FOR UPDATE SKIP LOCKED</c> where the database locks rows).</summary>
    protected abstract string ClaimLock { get; }

    /// <summary>A statement that serialises writers of the queue's length (run first in an enqueue), or null.</summary>
    protected abstract string? QueueLock { get; }

    /// <summary>An open connection.</summary>
    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancel);

    /// <summary>Starts a write transaction (SQLite: <c>BEGIN IMMEDIATE</c>).</summary>
    protected virtual ValueTask<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancel) =>
        connection.BeginTransactionAsync(cancel);

    private long Now => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static string NewId(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    public virtual async Task InitializeAsync(CancellationToken cancel = default)
    {
        await using var c = await OpenAsync(cancel).ConfigureAwait(false);
        await using var tx = await BeginAsync(c, cancel).ConfigureAwait(false);
        if (QueueLock is { } lockSql) await Exec(c, tx, lockSql, cancel).ConfigureAwait(false);
        await Exec(c, tx, """
            CREATE TABLE IF NOT EXISTS jano_jobs (
              id TEXT PRIMARY KEY, model TEXT NOT NULL, state TEXT NOT NULL, spec TEXT NOT NULL,
              position DOUBLE PRECISION NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
              created_ms BIGINT NOT NULL, started_ms BIGINT NULL, finished_ms BIGINT NULL,
              worker TEXT NULL, error TEXT NULL, progress TEXT NULL, result TEXT NULL,
              cancel_requested INTEGER NOT NULL DEFAULT 0, lease_token TEXT NULL, lease_until_ms BIGINT NULL,
              version BIGINT NOT NULL DEFAULT 0)
            """, cancel).ConfigureAwait(false);
        await Exec(c, tx, "CREATE INDEX IF NOT EXISTS jano_jobs_queue ON jano_jobs (state, position, created_ms)", cancel).ConfigureAwait(false);
        await Exec(c, tx, $"""
            CREATE TABLE IF NOT EXISTS jano_outputs (
              job_id TEXT NOT NULL, name TEXT NOT NULL, content_type TEXT NOT NULL, bytes {BlobType} NOT NULL,
              PRIMARY KEY (job_id, name))
            """, cancel).ConfigureAwait(false);
        await Exec(c, tx, """
            CREATE TABLE IF NOT EXISTS jano_workers (
              id TEXT PRIMARY KEY, host TEXT NOT NULL, models TEXT NOT NULL, started_ms BIGINT NOT NULL,
              heartbeat_ms BIGINT NOT NULL, job TEXT NULL)
            """, cancel).ConfigureAwait(false);
        await tx.CommitAsync(cancel).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<JobRecord>> EnqueueAsync(IReadOnlyList<JobSpec> specs, int maxWaiting, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(specs);
        await using var c = await OpenAsync(cancel).ConfigureAwait(false);
        await using var tx = await BeginAsync(c, cancel).ConfigureAwait(false);
        if (QueueLock is { } lockSql) await Exec(c, tx, lockSql, cancel).ConfigureAwait(false);
        long waiting = Convert.ToInt64(await Scalar(c, tx, "SELECT COUNT(*) FROM jano_jobs WHERE state IN ('queued', 'running')", cancel).ConfigureAwait(false),
            CultureInfo.InvariantCulture);
        if (waiting + specs.Count > maxWaiting)
            throw new QueueFullException($"the queue is full: {waiting} job(s) waiting or running, at most {maxWaiting}");
        var last = await Scalar(c, tx, "SELECT MAX(position) FROM jano_jobs", cancel).ConfigureAwait(false);
        double position = last is null or DBNull ? 0 : Convert.ToDouble(last, CultureInfo.InvariantCulture);
        long now = Now;
        var ids = new List<string>();
        foreach (var spec in specs)
        {
            position += 1;
            string id = NewId(6);
            await Exec(c, tx, "INSERT INTO jano_jobs (id, model, state, spec, position, created_ms) VALUES (@id, @model, 'queued', @spec, @pos, @now)", cancel,
                ("id", id), ("model", spec.Model), ("spec", JsonSerializer.Serialize(spec, ServerJson.Options)), ("pos", position), ("now", now)).ConfigureAwait(false);
            ids.Add(id);
        }
        await tx.CommitAsync(cancel).ConfigureAwait(false);
        var jobs = new List<JobRecord>();
        foreach (var id in ids) jobs.Add((await GetAsync(id, cancel).ConfigureAwait(false))!);
        return jobs;
    }

    public async Task<IReadOnlyList<JobRecord>> ListAsync(int limit, CancellationToken cancel = default)
    {
        await using var c = await OpenAsync(cancel).ConfigureAwait(false);
        return await Query(c, null, $"""
            SELECT {Columns} FROM jano_jobs
            ORDER BY CASE state WHEN 'running' THEN 0 WHEN 'queued' THEN 1 ELSE 2 END,
                     CASE WHEN state = 'queued' THEN position ELSE 0 END, COALESCE(finished_ms, created_ms) DESC
            LIMIT @limit
            """, cancel, ("limit", limit)).ConfigureAwait(false);
    }

    public async Task<JobRecord?> GetAsync(string id, CancellationToken cancel = default)
    {
        await using var c = await OpenAsync(cancel).ConfigureAwait(false);
        var rows = await Query(c, null, $"SELECT {Columns} FROM jano_jobs WHERE id = @id", cancel, ("id", id)).ConfigureAwait(false);
        return rows.Count > 0 ? rows[0] : null;
    }

    public async Task<JobRecord?> CancelAsync(string id, CancellationToken cancel = default)
    {
        await using (var c = await OpenAsync(cancel).ConfigureAwait(false))
        {
            await using var tx = await BeginAsync(c, cancel).ConfigureAwait(false);
            await Exec(c, tx, "UPDATE jano_jobs SET state = 'cancelled', finished_ms = @now, error = 'cancelled', version = version + 1 WHERE id = @id AND state = 'queued'",
                cancel, ("id", id), ("now", Now)).ConfigureAwait(false);
            await Exec(c, tx, "UPDATE jano_jobs SET cancel_requested = 1, version = version + 1 WHERE id = @id AND state = 'running' AND cancel_requested = 0",
                cancel, ("id", id)).ConfigureAwait(false);
            await tx.CommitAsync(cancel).ConfigureAwait(false);
        }
        return await GetAsync(id, cancel).ConfigureAwait(false);
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancel = default)
    {
        await using var c = await OpenAsync(cancel).ConfigureAwait(false);
        await using var tx = await BeginAsync(c, cancel).ConfigureAwait(false);
        int n = await Exec(c, tx, "DELETE FROM jano_jobs WHERE id = @id AND state <> 'running'", cancel, ("id", id)).ConfigureAwait(false);
        if (n == 1) await Exec(c, tx, "DELETE FROM jano_outputs WHERE job_id = @id", cancel, ("id", id)).ConfigureAwait(false);
        await tx.CommitAsync(cancel).ConfigureAwait(false);
        return n == 1;
    }

    public async Task<int> ReorderAsync(IReadOnlyList<string> ids, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        await using var c = await OpenAsync(cancel).ConfigureAwait(false);
        await using var tx = await BeginAsync(c, cancel).ConfigureAwait(false);
        var first = await Scalar(c, tx, "SELECT MIN(position) FROM jano_jobs WHERE state = 'queued'", cancel).ConfigureAwait(false);
        double start = (first is null or DBNull ? 0 : Convert.ToDouble(first, CultureInfo.InvariantCulture)) - ids.Count - 1;
        int moved = 0;
        for (int i = 0; i < ids.Count; i++)
            moved += await Exec(c, tx, "UPDATE jano_jobs SET position = @pos, version = version + 1 WHERE id = @id AND state = 'queued'", cancel,
                ("pos", start + i), ("id", ids[i])).ConfigureAwait(false);
        await tx.CommitAsync(cancel).ConfigureAwait(false);
        return moved;
    }

    public async Task<JobClaim?> ClaimAsync(string workerId, IReadOnlyCollection<string> models, TimeSpan lease, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0) return null;
        await using var c = await OpenAsync(cancel).ConfigureAwait(false);
        string? id;
        string token = NewId(16);
        await using (var tx = await BeginAsync(c, cancel).ConfigureAwait(false))
        {
            var names = models.Select((m, i) => ($"m{i}", (object?)m)).ToArray();
            string list = string.Join(", ", names.Select(n => "@" + n.Item1));
            id = await Scalar(c, tx, $"SELECT id FROM jano_jobs WHERE state = 'queued' AND model IN ({list}) ORDER BY position, created_ms LIMIT 1 {ClaimLock}",
                cancel, names).ConfigureAwait(false) as string;
            if (id is null) return null;
            long now = Now;
            int n = await Exec(c, tx, """
                UPDATE jano_jobs SET state = 'running', lease_token = @token, lease_until_ms = @until, attempts = attempts + 1, worker = @worker,
                  started_ms = @now, progress = NULL, version = version + 1
                WHERE id = @id AND state = 'queued'
                """, cancel, ("token", token), ("until", now + (long)lease.TotalMilliseconds), ("worker", workerId), ("now", now), ("id", id)).ConfigureAwait(false);
            if (n != 1) return null;
            await tx.CommitAsync(cancel).ConfigureAwait(false);
        }
        var job = await GetAsync(id, cancel).ConfigureAwait(false);
        return job is null ? null : new JobClaim(job, token);
    }

    public async Task<LeaseStatus> HeartbeatAsync(string id, string token, TimeSpan lease, string? progress, CancellationToken cancel = default)
    {
        await using var c = await OpenAsync(cancel).ConfigureAwait(false);
        await using var tx = await BeginAsync(c, cancel).ConfigureAwait(false);
        int n = await Exec(c, tx, progress is null
                ? "UPDATE jano_jobs SET lease_until_ms = @until WHERE id = @id AND lease_token = @token AND state = 'running'"
                : "UPDATE jano_jobs SET lease_until_ms = @until, progress = @progress, version = version + 1 WHERE id = @id AND lease_token = @token AND state = 'running'",
            cancel, ("until", Now + (long)lease.TotalMilliseconds), ("progress", progress), ("id", id), ("token", token)).ConfigureAwait(false);
        if (n != 1) return LeaseStatus.Lost;
        var requested = await Scalar(c, tx, "SELECT cancel_requested FROM jano_jobs WHERE id = @id", cancel, ("id", id)).ConfigureAwait(false);
        await tx.CommitAsync(cancel).ConfigureAwait(false);
        return Convert.ToInt64(requested, CultureInfo.InvariantCulture) != 0 ? LeaseStatus.CancelRequested : LeaseStatus.Held;
    }

    public async Task<bool> CompleteAsync(string id, string token, string result, IReadOnlyList<JobOutput> outputs, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        await using var c = await OpenAsync(cancel).ConfigureAwait(false);
        await using var tx = await BeginAsync(c, cancel).ConfigureAwait(false);
        int n = await Exec(c, tx, """
            UPDATE jano_jobs SET state = 'done', result = @result, finished_ms = @now, lease_token = NULL, lease_until_ms = NULL, error = NULL,
              version = version + 1
            WHERE id = @id AND lease_token = @token AND state = 'running'
            """, cancel, ("result", result), ("now", Now), ("id", id), ("token", token)).ConfigureAwait(false);
        if (n != 1) return false;
        await Exec(c, tx, "DELETE FROM jano_outputs WHERE job_id = @id", cancel, ("id", id)).ConfigureAwait(false);
        foreach (var o in outputs)
            await Exec(c, tx, "INSERT INTO jano_outputs (job_id, name, content_type, bytes) VALUES (@id, @name, @type, @bytes)", cancel,
                ("id", id), ("name", o.Name), ("type", o.ContentType), ("bytes", o.Bytes)).ConfigureAwait(false);
        await tx.CommitAsync(cancel).ConfigureAwait(false);
        return true;
    }

    public Task<bool> FailAsync(string id, string token, string reason, CancellationToken cancel = default) =>
        EndAsync(id, token, "failed", reason, cancel);

    public Task<bool> CancelledAsync(string id, string token, CancellationToken cancel = default) =>
        EndAsync(id, token, "cancelled", "cancelled", cancel);

    private async Task<bool> EndAsync(string id, string token, string state, string reason, CancellationToken cancel)
    {
        await using var c = await OpenAsync(cancel).ConfigureAwait(false);
        await using var tx = await BeginAsync(c, cancel).ConfigureAwait(false);
        int n = await Exec(c, tx, """
            UPDATE jano_jobs SET state = @state, error = @reason, finished_ms = @now, lease_token = NULL, lease_until_ms = NULL, version = version + 1
            WHERE id = @id AND lease_token = @token AND state = 'running'
            """, cancel, ("state", state), ("reason", reason), ("now", Now), ("id", id), ("token", token)).ConfigureAwait(false);
        await tx.CommitAsync(cancel).ConfigureAwait(false);
        return n == 1;
    }

    public async Task<bool> ReleaseAsync(string id, string token, CancellationToken cancel = default)
    {
        await using var c = await OpenAsync(cancel).ConfigureAwait(false);
        await using var tx = await BeginAsync(c, cancel).ConfigureAwait(false);
        int n = await Exec(c, tx, """
            UPDATE jano_jobs SET state = 'queued', attempts = attempts - 1, lease_token = NULL, lease_until_ms = NULL, progress = NULL,
              started_ms = NULL, version = version + 1
            WHERE id = @id AND lease_token = @token AND state = 'running'
            """, cancel, ("id", id), ("token", token)).ConfigureAwait(false);
        await tx.CommitAsync(cancel).ConfigureAwait(false);
        return n == 1;
    }

    public async Task<int> RecoverExpiredAsync(int maxAttempts, CancellationToken cancel = default)
    {
        await using var c = await OpenAsync(cancel).ConfigureAwait(false);
        await using var tx = await BeginAsync(c, cancel).ConfigureAwait(false);
        long now = Now;
        const string Expired = "state = 'running' AND lease_until_ms < @now";
        int n = await Exec(c, tx, $"""
            UPDATE jano_jobs SET state = 'cancelled', error = 'cancelled', finished_ms = @now, lease_token = NULL, lease_until_ms = NULL, version = version + 1
            WHERE {Expired} AND cancel_requested <> 0
            """, cancel, ("now", now)).ConfigureAwait(false);
        n += await Exec(c, tx, $"""
            UPDATE jano_jobs SET state = 'failed', finished_ms = @now, lease_token = NULL, lease_until_ms = NULL, version = version + 1,
              error = 'the worker stopped reporting (lease expired) on each of ' || attempts || ' attempt(s); last worker ' || COALESCE(worker, '?')
            WHERE {Expired} AND attempts >= @max
            """, cancel, ("now", now), ("max", maxAttempts)).ConfigureAwait(false);
        n += await Exec(c, tx, $"""
            UPDATE jano_jobs SET state = 'queued', lease_token = NULL, lease_until_ms = NULL, progress = NULL, started_ms = NULL, version = version + 1,
              error = 'attempt ' || attempts || ' lost its worker (' || COALESCE(worker, '?') || '); queued again'
            WHERE {Expired}
            """, cancel, ("now", now)).ConfigureAwait(false);
        await tx.CommitAsync(cancel).ConfigureAwait(false);
        return n;
    }

    public async Task<JobOutput?> GetOutputAsync(string id, string name, CancellationToken cancel = default)
    {
        await using var c = await OpenAsync(cancel).ConfigureAwait(false);
        await using var cmd = Command(c, null, "SELECT content_type, bytes FROM jano_outputs WHERE job_id = @id AND name = @name", ("id", id), ("name", name));
        await using var r = await cmd.ExecuteReaderAsync(cancel).ConfigureAwait(false);
        if (!await r.ReadAsync(cancel).ConfigureAwait(false)) return null;
        return new JobOutput(name, r.GetString(0), (byte[])r.GetValue(1));
    }

    public async Task<IReadOnlyList<string>> OutputNamesAsync(string id, CancellationToken cancel = default)
    {
        await using var c = await OpenAsync(cancel).ConfigureAwait(false);
        await using var cmd = Command(c, null, "SELECT name FROM jano_outputs WHERE job_id = @id ORDER BY name", ("id", id));
        await using var r = await cmd.ExecuteReaderAsync(cancel).ConfigureAwait(false);
        var names = new List<string>();
        while (await r.ReadAsync(cancel).ConfigureAwait(false)) names.Add(r.GetString(0));
        return names;
    }

    public async Task WorkerHeartbeatAsync(WorkerRecord worker, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(worker);
        await using var c = await OpenAsync(cancel).ConfigureAwait(false);
        await using var tx = await BeginAsync(c, cancel).ConfigureAwait(false);
        await Exec(c, tx, """
            INSERT INTO jano_workers (id, host, models, started_ms, heartbeat_ms, job) VALUES (@id, @host, @models, @started, @now, @job)
            ON CONFLICT (id) DO UPDATE SET heartbeat_ms = @now, job = @job, models = @models
            """, cancel, ("id", worker.Id), ("host", worker.Host), ("models", string.Join(",", worker.Models)), ("started", worker.StartedMs),
            ("now", Now), ("job", worker.Job)).ConfigureAwait(false);
        await tx.CommitAsync(cancel).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<WorkerRecord>> ListWorkersAsync(TimeSpan maxAge, CancellationToken cancel = default)
    {
        await using var c = await OpenAsync(cancel).ConfigureAwait(false);
        await using var cmd = Command(c, null, "SELECT id, host, models, started_ms, heartbeat_ms, job FROM jano_workers WHERE heartbeat_ms >= @since ORDER BY started_ms",
            ("since", Now - (long)maxAge.TotalMilliseconds));
        await using var r = await cmd.ExecuteReaderAsync(cancel).ConfigureAwait(false);
        var list = new List<WorkerRecord>();
        while (await r.ReadAsync(cancel).ConfigureAwait(false))
            list.Add(new WorkerRecord
            {
                Id = r.GetString(0), Host = r.GetString(1), Models = r.GetString(2).Split(',', StringSplitOptions.RemoveEmptyEntries),
                StartedMs = r.GetInt64(3), HeartbeatMs = r.GetInt64(4), Job = r.IsDBNull(5) ? null : r.GetString(5),
            });
        return list;
    }

    public async Task RemoveWorkerAsync(string id, CancellationToken cancel = default)
    {
        await using var c = await OpenAsync(cancel).ConfigureAwait(false);
        await using var tx = await BeginAsync(c, cancel).ConfigureAwait(false);
        await Exec(c, tx, "DELETE FROM jano_workers WHERE id = @id", cancel, ("id", id)).ConfigureAwait(false);
        await tx.CommitAsync(cancel).ConfigureAwait(false);
    }

    public async Task<int> PruneAsync(int keep, CancellationToken cancel = default)
    {
        await using var c = await OpenAsync(cancel).ConfigureAwait(false);
        await using var tx = await BeginAsync(c, cancel).ConfigureAwait(false);
        const string Old = """
            SELECT id FROM jano_jobs WHERE state IN ('done', 'failed', 'cancelled')
            ORDER BY finished_ms DESC LIMIT -1 OFFSET @keep
            """;
        // LIMIT -1 is SQLite's "no limit"; PostgreSQL takes LIMIT ALL.
        string old = Old.Replace("LIMIT -1", LimitAll, StringComparison.Ordinal);
        await Exec(c, tx, $"DELETE FROM jano_outputs WHERE job_id IN ({old})", cancel, ("keep", keep)).ConfigureAwait(false);
        int n = await Exec(c, tx, $"DELETE FROM jano_jobs WHERE id IN ({old})", cancel, ("keep", keep)).ConfigureAwait(false);
        await tx.CommitAsync(cancel).ConfigureAwait(false);
        return n;
    }

    /// <summary>The dialect's "no limit" clause.</summary>
    protected abstract string LimitAll { get; }

    private static DbCommand Command(DbConnection c, DbTransaction? tx, string sql, params (string Name, object? Value)[] args)
    {
        var cmd = c.CreateCommand();
#pragma warning disable CA2100 // the SQL is this class's constant text; values travel as parameters
        cmd.CommandText = sql;
#pragma warning restore CA2100
        cmd.Transaction = tx;
        foreach (var (name, value) in args)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }

    private static async Task<int> Exec(DbConnection c, DbTransaction? tx, string sql, CancellationToken cancel, params (string, object?)[] args)
    {
        await using var cmd = Command(c, tx, sql, args);
        return await cmd.ExecuteNonQueryAsync(cancel).ConfigureAwait(false);
    }

    private static async Task<object?> Scalar(DbConnection c, DbTransaction? tx, string sql, CancellationToken cancel, params (string, object?)[] args)
    {
        await using var cmd = Command(c, tx, sql, args);
        var v = await cmd.ExecuteScalarAsync(cancel).ConfigureAwait(false);
        return v is DBNull ? null : v;
    }

    private static async Task<IReadOnlyList<JobRecord>> Query(DbConnection c, DbTransaction? tx, string sql, CancellationToken cancel, params (string, object?)[] args)
    {
        await using var cmd = Command(c, tx, sql, args);
        await using var r = await cmd.ExecuteReaderAsync(cancel).ConfigureAwait(false);
        var list = new List<JobRecord>();
        while (await r.ReadAsync(cancel).ConfigureAwait(false))
        {
            list.Add(new JobRecord
            {
                Id = r.GetString(0),
                Model = r.GetString(1),
                State = r.GetString(2),
                Spec = JsonSerializer.Deserialize<JobSpec>(r.GetString(3), ServerJson.Options)!,
                Position = Convert.ToDouble(r.GetValue(4), CultureInfo.InvariantCulture),
                Attempts = Convert.ToInt32(r.GetValue(5), CultureInfo.InvariantCulture),
                CreatedMs = Convert.ToInt64(r.GetValue(6), CultureInfo.InvariantCulture),
                StartedMs = r.IsDBNull(7) ? null : Convert.ToInt64(r.GetValue(7), CultureInfo.InvariantCulture),
                FinishedMs = r.IsDBNull(8) ? null : Convert.ToInt64(r.GetValue(8), CultureInfo.InvariantCulture),
                Worker = r.IsDBNull(9) ? null : r.GetString(9),
                Error = r.IsDBNull(10) ? null : r.GetString(10),
                Progress = r.IsDBNull(11) ? null : r.GetString(11),
                Result = r.IsDBNull(12) ? null : r.GetString(12),
                CancelRequested = Convert.ToInt64(r.GetValue(13), CultureInfo.InvariantCulture) != 0,
                Version = Convert.ToInt64(r.GetValue(14), CultureInfo.InvariantCulture),
            });
        }
        return list;
    }
}
