using Jano.Server.Queue;
using Jano.Tests.Cli;
using Xunit;

namespace Jano.Tests.Serve;

/// <summary>The queue's lease rules on SQLite, with a clock the test moves.</summary>
[Collection(ServeSuite.Name)]
public sealed class ServeQueueTests : IDisposable
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UnixEpoch.AddDays(20000);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly string _dir = CliRunner.TempDir();
    private readonly ManualClock _clock = new();
    private readonly SqliteJobStore _store;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);
    private static readonly string[] Models = ["m"];

    public ServeQueueTests()
    {
        _store = SqliteJobStore.InFolder(_dir, _clock);
        _store.InitializeAsync().GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private static JobSpec Spec(string model = "m") => new() { Model = model, Prompt = "p" };

    [Fact]
    public async Task An_expired_lease_requeues_the_job_and_the_stale_worker_can_neither_heartbeat_nor_complete()
    {
        var job = (await _store.EnqueueAsync([Spec()], 10)).Single();
        Assert.Null(await _store.ClaimAsync("w0", ["other"], Lease)); // claims only models it holds
        var a = await _store.ClaimAsync("wA", Models, Lease);
        Assert.NotNull(a);
        Assert.Null(await _store.ClaimAsync("wB", Models, Lease)); // nothing else queued
        Assert.Equal(LeaseStatus.Held, await _store.HeartbeatAsync(job.Id, a.Token, Lease, "{\"step\":1}"));

        _clock.Now += TimeSpan.FromSeconds(9);
        Assert.Equal(0, await _store.RecoverExpiredAsync(3)); // heartbeat extended it
        _clock.Now += TimeSpan.FromSeconds(11);
        Assert.Equal(1, await _store.RecoverExpiredAsync(3));
        var queued = await _store.GetAsync(job.Id);
        Assert.Equal(JobState.Queued, queued!.State);
        Assert.Contains("lost its worker (wA)", queued.Error, StringComparison.Ordinal);

        var b = await _store.ClaimAsync("wB", Models, Lease);
        Assert.Equal(2, b!.Job.Attempts);
        Assert.Equal(LeaseStatus.Lost, await _store.HeartbeatAsync(job.Id, a.Token, Lease, null));
        Assert.False(await _store.CompleteAsync(job.Id, a.Token, "{}", [new JobOutput("output.png", "image/png", [1])]));
        Assert.False(await _store.FailAsync(job.Id, a.Token, "late"));
        Assert.False(await _store.ReleaseAsync(job.Id, a.Token));
        Assert.True(await _store.CompleteAsync(job.Id, b.Token, "{}", [new JobOutput("output.png", "image/png", [2])]));
        Assert.False(await _store.CompleteAsync(job.Id, b.Token, "{}", [])); // exactly once
        var done = await _store.GetAsync(job.Id);
        Assert.Equal(JobState.Done, done!.State);
        Assert.Equal("wB", done.Worker);
        Assert.Equal(new byte[] { 2 }, (await _store.GetOutputAsync(job.Id, "output.png"))!.Bytes);
    }

    [Fact]
    public async Task After_K_expired_leases_the_job_fails_with_the_reason()
    {
        var job = (await _store.EnqueueAsync([Spec()], 10)).Single();
        for (int attempt = 1; attempt <= 2; attempt++)
        {
            Assert.NotNull(await _store.ClaimAsync($"w{attempt}", Models, Lease));
            _clock.Now += Lease + TimeSpan.FromSeconds(1);
            Assert.Equal(1, await _store.RecoverExpiredAsync(2));
        }
        var failed = await _store.GetAsync(job.Id);
        Assert.Equal(JobState.Failed, failed!.State);
        Assert.Contains("lease expired", failed.Error, StringComparison.Ordinal);
        Assert.Contains("2 attempt(s)", failed.Error, StringComparison.Ordinal);
        Assert.Null(await _store.ClaimAsync("w3", Models, Lease));
    }

    [Fact]
    public async Task Release_puts_the_job_back_without_counting_the_attempt_and_cancellation_reaches_the_worker()
    {
        var job = (await _store.EnqueueAsync([Spec()], 10)).Single();
        var a = await _store.ClaimAsync("wA", Models, Lease);
        Assert.True(await _store.ReleaseAsync(job.Id, a!.Token));
        var back = await _store.GetAsync(job.Id);
        Assert.Equal((JobState.Queued, 0), (back!.State, back.Attempts));

        var b = await _store.ClaimAsync("wB", Models, Lease);
        Assert.Equal(1, b!.Job.Attempts);
        Assert.Equal(JobState.Running, (await _store.CancelAsync(job.Id))!.State);
        Assert.Equal(LeaseStatus.CancelRequested, await _store.HeartbeatAsync(job.Id, b.Token, Lease, null));
        Assert.True(await _store.CancelledAsync(job.Id, b.Token));
        Assert.Equal(JobState.Cancelled, (await _store.GetAsync(job.Id))!.State);
    }

    [Fact]
    public async Task The_queue_length_is_bounded_and_old_finished_jobs_are_pruned()
    {
        await _store.EnqueueAsync([Spec(), Spec()], 3);
        await Assert.ThrowsAsync<QueueFullException>(() => _store.EnqueueAsync([Spec(), Spec()], 3));
        Assert.Equal(2, (await _store.ListAsync(10)).Count); // all or none
        foreach (var j in await _store.ListAsync(10))
        {
            var c = await _store.ClaimAsync("w", Models, Lease);
            _clock.Now += TimeSpan.FromSeconds(1);
            await _store.CompleteAsync(c!.Job.Id, c.Token, "{}", [new JobOutput("report.json", "application/json", [1])]);
        }
        Assert.Equal(1, await _store.PruneAsync(1));
        var left = await _store.ListAsync(10);
        Assert.Single(left);
        Assert.Equal(["report.json"], await _store.OutputNamesAsync(left[0].Id));
    }
}
