using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Jano.Tests.Cli;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Jano.Tests.Serve;

/// <summary>The queue survives its processes: a worker killed mid-job, a worker frozen past its lease (its late work is
/// refused), and a server killed with -9 and restarted on its SQLite file. Workers run <c>--threads 1</c>, leases are 3 s.</summary>
[Collection(ServeSuite.Name)]
public sealed partial class ServeDurabilityTests(ServeModels models)
{
    private static string Db(ServeHarness h) => $"Data Source={Path.Combine(h.DataDir, "jano.db")}";

    private static JanoProcess Worker(ServeHarness h, string name) =>
        JanoProcess.Start("worker", "--db", Db(h), "--data", Path.Combine(h.DataDir, name), "--model", "fmnist-video", "--threads", "1", "--lease", "3");

    private static async Task<string> WorkerId(JanoProcess p) => WorkerLine().Match(await p.WaitForStdout("jano worker:")).Groups[1].Value;

    [GeneratedRegex(@"jano worker: (\S+) on ")]
    private static partial Regex WorkerLine();

    private static Task<ServeHarness> Server(ServeModels models) =>
        ServeHarness.Start(models.Host, o => o with { Workers = 0, Lease = TimeSpan.FromSeconds(3) });

    private static object LongJob(int seed) => new { model = "fmnist-video", prompt = "bag", steps = 120, frames = 4, seed };

    [Fact]
    public async Task A_worker_killed_mid_job_loses_it_to_another_worker_and_the_job_ends_once()
    {
        await using var h = await Server(models);
        using var a = Worker(h, "wa");
        string idA = await WorkerId(a);
        var job = (await h.Submit(LongJob(1))).Single();
        await h.WaitFor(job, j => j.TryGetProperty("progress", out var p) && p.GetProperty("step").GetInt32() >= 1);
        Assert.Equal(idA, (await h.Job(job)).GetProperty("worker").GetString());
        a.Signal(JanoProcess.SigKill);

        using var b = Worker(h, "wb");
        string idB = await WorkerId(b);
        var done = await h.WaitFor(job, seconds: 180);
        Assert.True(done.GetProperty("state").GetString() == "done", done.ToString());
        Assert.Equal(2, done.GetProperty("attempts").GetInt32());
        Assert.Equal(idB, done.GetProperty("result").GetProperty("worker").GetString());
        Assert.True((await h.Output(job, "output.png")).Length > 0);

        b.Signal(JanoProcess.SigTerm); // a clean stop: exit 0, no job held
        Assert.True(b.WaitForExit(30), "worker B did not stop on SIGTERM");
        Assert.Equal(0, b.ExitCode);
    }

    [Fact]
    public async Task A_worker_frozen_past_its_lease_has_its_late_work_refused()
    {
        await using var h = await Server(models);
        using var a = Worker(h, "wa");
        string idA = await WorkerId(a);
        var job = (await h.Submit(new { model = "fmnist-video", prompt = "bag", steps = 200, frames = 4, seed = 2 })).Single();
        await h.WaitFor(job, j => j.TryGetProperty("progress", out var p) && p.GetProperty("step").GetInt32() >= 1);
        FreezeOutsideTransaction(a, h);

        using var b = Worker(h, "wb");
        string idB = await WorkerId(b);
        await h.WaitFor(job, j => j.GetProperty("worker").GetString() == idB, 60);
        a.Signal(JanoProcess.SigCont);
        await a.WaitForStderr("lease", 60); // "lease lost, stopped" or "completion refused: this worker's lease was lost"
        var done = await h.WaitFor(job, seconds: 180);
        Assert.True(done.GetProperty("state").GetString() == "done", done.ToString());
        Assert.Equal(idB, done.GetProperty("result").GetProperty("worker").GetString());
        Assert.Equal(2, done.GetProperty("attempts").GetInt32());
        Assert.DoesNotContain($"job {job}: done", a.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(idA, idB);
    }

    // SIGSTOP the worker at a moment it holds no SQLite write lock (a frozen holder would stall every writer): stop it, try a
    // write with a short busy timeout, and if that fails let it run a moment and stop it again.
    private static void FreezeOutsideTransaction(JanoProcess worker, ServeHarness h)
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            worker.Signal(JanoProcess.SigStop);
            try
            {
                using var c = new SqliteConnection(Db(h) + ";Pooling=False;Default Timeout=1");
                c.Open();
                using var tx = c.BeginTransaction(deferred: false);
                tx.Rollback();
                return;
            }
            catch (SqliteException)
            {
                worker.Signal(JanoProcess.SigCont);
                Thread.Sleep(30);
            }
        }
        throw new InvalidOperationException("could not freeze the worker outside a transaction");
    }

    [Fact]
    public async Task A_server_killed_with_sigkill_restarts_on_its_sqlite_queue_and_every_job_ends_once()
    {
        string data = CliRunner.TempDir();
        try
        {
            string[] args = ["serve", "--port", "0", "--data", data, "--model", "fmnist-video", "--threads", "1", "--lease", "3"];
            string[] ids;
            using (var first = JanoProcess.Start(args))
            {
                using var http = await Client(first);
                using var r = await http.PostAsync("/api/jobs", ServeHarness.Json(new { model = "fmnist-video", prompt = "coat", steps = 40, frames = 4, seeds = new[] { 1, 2, 3, 4, 5 } }));
                ids = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.EnumerateArray().Select(j => j.GetProperty("id").GetString()!).ToArray();
                Assert.Equal(5, ids.Length);
                var deadline = DateTime.UtcNow.AddSeconds(120);
                while (!(await http.GetFromJsonAsync<JsonElement>("/api/jobs")).EnumerateArray()
                           .Any(j => j.TryGetProperty("progress", out var p) && p.GetProperty("step").GetInt32() >= 1))
                {
                    Assert.True(DateTime.UtcNow < deadline, "no job started");
                    await Task.Delay(20);
                }
                first.Signal(JanoProcess.SigKill);
                Assert.True(first.WaitForExit(10));
            }
            using var second = JanoProcess.Start(args);
            using var http2 = await Client(second);
            var end = DateTime.UtcNow.AddSeconds(240);
            JsonElement[] jobs;
            do
            {
                await Task.Delay(200);
                jobs = (await http2.GetFromJsonAsync<JsonElement>("/api/jobs")).EnumerateArray().ToArray();
                Assert.True(DateTime.UtcNow < end, "jobs did not finish after the restart: " + string.Join(" ", jobs.Select(j => j.GetProperty("state").GetString())));
            }
            while (jobs.Any(j => j.GetProperty("state").GetString() is "queued" or "running"));
            Assert.Equal(ids.Order(), jobs.Select(j => j.GetProperty("id").GetString()).Order());
            Assert.All(jobs, j => Assert.Equal("done", j.GetProperty("state").GetString()));
            Assert.Contains(jobs, j => j.GetProperty("attempts").GetInt32() == 2); // the one the kill interrupted
            Assert.All(jobs, j => Assert.InRange(j.GetProperty("attempts").GetInt32(), 1, 2));
            foreach (var id in ids)
            {
                using var o = await http2.GetAsync($"/api/jobs/{id}/outputs/output.png");
                Assert.True(o.IsSuccessStatusCode);
            }
            second.Signal(JanoProcess.SigTerm);
            Assert.True(second.WaitForExit(30));
            Assert.Equal(0, second.ExitCode);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<HttpClient> Client(JanoProcess server)
    {
        var line = await server.WaitForStdout("listening on");
        var url = Regex.Match(line, @"http://\S+/").Value;
        return new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
    }
}
