using System.Text.RegularExpressions;
using Jano.Server;
using Jano.Server.Queue;
using Jano.Tests.Cli;
using Xunit;
using Xunit.Abstractions;

namespace Jano.Tests.Serve;

/// <summary>Scale-out on PostgreSQL: one server and two <c>jano worker</c> processes (separate data folders) on a throwaway
/// cluster, 20 small jobs, one worker killed mid-job: every job finishes exactly once and the server serves its outputs.</summary>
[Collection(ServeSuite.Name)]
public sealed class ServeScaleOutTests(ServeModels models, ITestOutputHelper output)
{
    [Fact]
    public async Task Twenty_jobs_on_postgresql_with_two_workers_one_killed_each_finish_once()
    {
        var bin = ServeTools.PostgresBin();
        if (bin is null)
        {
            output.WriteLine("PostgreSQL is not installed (scripts/setup.sh installs it); not run outside CI");
            return;
        }
        using var cluster = PostgresCluster.Start(bin);
        string data = CliRunner.TempDir();
        using var store = new PostgresJobStore(cluster.ConnectionString);
        var server = await JanoServer.StartAsync(new ServeOptions { Port = 0, DataDir = data, Workers = 0, Lease = TimeSpan.FromSeconds(3) }, store, models.Host, _ => { });
        await using (server)
        using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Address.Port}") })
        {
            JanoProcess StartWorker(string name) => JanoProcess.Start("worker", "--db", cluster.ConnectionString, "--data", Path.Combine(data, name),
                "--model", "fmnist-video", "--threads", "1", "--lease", "3");
            using var a = StartWorker("wa");
            using var b = StartWorker("wb");
            string idA = Regex.Match(await a.WaitForStdout("jano worker:"), @"jano worker: (\S+)").Groups[1].Value;
            await b.WaitForStdout("jano worker:");

            using var submit = await http.PostAsync("/api/jobs", ServeHarness.Json(new
            {
                model = "fmnist-video", prompt = "shirt", steps = 24, frames = 2, seeds = Enumerable.Range(1, 10).ToArray(),
            }));
            Assert.Equal(System.Net.HttpStatusCode.Created, submit.StatusCode);
            using var submit2 = await http.PostAsync("/api/jobs", ServeHarness.Json(new
            {
                model = "fmnist-video", prompt = "shirt", steps = 24, frames = 2, seeds = Enumerable.Range(11, 10).ToArray(),
            }));
            Assert.Equal(System.Net.HttpStatusCode.Created, submit2.StatusCode);

            // Kill worker A while it is inside a job (step >= 1).
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (!(await store.ListAsync(100)).Any(j => j.State == JobState.Running && j.Worker == idA && j.Progress is { } p && !p.Contains("\"step\":0", StringComparison.Ordinal)))
            {
                Assert.True(DateTime.UtcNow < deadline, "worker A never ran a job");
                await Task.Delay(10);
            }
            a.Signal(JanoProcess.SigKill);

            deadline = DateTime.UtcNow.AddSeconds(240);
            IReadOnlyList<JobRecord> jobs;
            while ((jobs = await store.ListAsync(100)).Any(j => !JobState.IsFinal(j.State)))
            {
                Assert.True(DateTime.UtcNow < deadline, "jobs did not finish: " + string.Join(" ", jobs.Select(j => j.State)));
                await Task.Delay(200);
            }
            Assert.Equal(20, jobs.Count);
            Assert.All(jobs, j => Assert.Equal(JobState.Done, j.State));
            Assert.Contains(jobs, j => j.Attempts == 2); // the job worker A held when it was killed
            Assert.Equal(20, jobs.Select(j => j.Spec.Seed).Distinct().Count());
            foreach (var j in jobs)
            {
                using var r = await http.GetAsync($"/api/jobs/{j.Id}/outputs/output.png");
                Assert.True(r.IsSuccessStatusCode, $"{j.Id}: {(int)r.StatusCode}");
                Assert.True((await r.Content.ReadAsByteArrayAsync()).Length > 0);
            }
            output.WriteLine($"jobs by worker: {string.Join(", ", jobs.GroupBy(j => j.Worker).Select(g => $"{g.Key} {g.Count()}"))}");
            b.Signal(JanoProcess.SigTerm);
            Assert.True(b.WaitForExit(30));
        }
        Directory.Delete(data, recursive: true);
    }
}
