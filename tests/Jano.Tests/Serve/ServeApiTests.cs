using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Jano.Server.Workers;
using Jano.Tests.Cli;
using TorchSharp;
using Xunit;

namespace Jano.Tests.Serve;

/// <summary>The HTTP API against a real Kestrel on a loopback port, with the in-process worker on the suite's models.</summary>
[Collection(ServeSuite.Name)]
public sealed class ServeApiTests(ServeModels models)
{
    [Fact]
    public async Task A_compared_jano_job_gives_the_bytes_of_jano_generate_and_carries_its_settings()
    {
        await using var h = await ServeHarness.Start(models.Host);
        var id = (await h.Submit(new
        {
            model = "fmnist-video", prompt = "sneaker", seed = 7, steps = 8, frames = 4, accel = "jano", accel_options = "static_thresh=0.35", compare = true,
        })).Single();
        var job = await h.WaitFor(id);
        Assert.Equal("done", job.GetProperty("state").GetString());
        var result = job.GetProperty("result");
        Assert.True(result.GetProperty("speedup").GetDouble() > 0);
        Assert.True(result.GetProperty("ssim").GetDouble() is > 0 and <= 1);
        var outputs = result.GetProperty("outputs").EnumerateArray().Select(e => e.GetString()).ToArray();
        Assert.Contains("levels.png", outputs);
        Assert.Contains("baseline.png", outputs);

        string cliDir = Path.Combine(h.DataDir, "cli");
        var r = CliRunner.Run("generate", "--model", "fmnist-video", "--prompt", "sneaker", "--accel", "jano", "--compare", "--steps", "8", "--frames", "4",
            "--seed", "7", "--accel-option", "static_thresh=0.35", "--threads", torch.get_num_threads().ToString(CultureInfo.InvariantCulture), "--out", cliDir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        foreach (var name in new[] { "output.png", "baseline.png", "levels.png" })
        {
            var served = await h.Output(id, name);
            var settings = PngText.Read(served, OutputNames.SettingsKeyword);
            Assert.NotNull(settings);
            var spec = JsonDocument.Parse(settings).RootElement;
            Assert.Equal("sneaker", spec.GetProperty("prompt").GetString());
            Assert.Equal(7, spec.GetProperty("seed").GetInt64());
            Assert.Equal("jano", spec.GetProperty("accel").GetString());
            Assert.True(PngText.Strip(served).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(cliDir, name))), $"{name} differs from jano generate's");
        }
        var report = JsonDocument.Parse(await h.Output(id, "report.json")).RootElement;
        var cliReport = JsonDocument.Parse(File.ReadAllText(Path.Combine(cliDir, "report.json"))).RootElement;
        foreach (var key in new[] { "step_levels", "tokens_per_step", "psnr", "ssim", "options", "level_fractions" })
            Assert.Equal(cliReport.GetProperty(key).ToString(), report.GetProperty(key).ToString());
        Assert.Contains("--compare", job.GetProperty("command").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_are_named_by_catalog_name_or_model_dir_folder_never_by_path()
    {
        await using var h = await ServeHarness.Start(models.Host);
        var listed = await h.Http.GetFromJsonAsync<JsonElement>("/api/models");
        var names = listed.EnumerateArray().Select(m => m.GetProperty("name").GetString()).ToArray();
        Assert.Contains("fmnist-image", names);
        Assert.Contains("wan-tiny", names);
        var video = listed.EnumerateArray().Single(m => m.GetProperty("name").GetString() == "fmnist-video");
        Assert.Equal(8, video.GetProperty("frames").GetInt32());
        Assert.Contains("static_thresh", video.GetProperty("jano_preset").GetString(), StringComparison.Ordinal);

        using var byPath = await h.Post("/api/jobs", new { model = models.WanDir, prompt = "a cat" });
        Assert.Equal(HttpStatusCode.BadRequest, byPath.StatusCode);
        Assert.Contains("not held by any worker", await byPath.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The --model-dir folder runs by its name.
        var id = (await h.Submit(new { model = "wan-tiny", prompt = "a cat", steps = 2, width = 16, height = 16, frames = 1, seed = 3 })).Single();
        var job = await h.WaitFor(id);
        Assert.True(job.GetProperty("state").GetString() == "done", job.ToString());
        Assert.True((await h.Output(id, "output.png")).Length > 0);

        var accels = await h.Http.GetFromJsonAsync<JsonElement>("/api/accelerators");
        Assert.Contains(accels.EnumerateArray(), a => a.GetProperty("name").GetString() == "jano");
        var workers = await h.Http.GetFromJsonAsync<JsonElement>("/api/workers");
        Assert.Single(workers.EnumerateArray());
        Assert.Equal("ok", (await h.Http.GetFromJsonAsync<JsonElement>("/healthz")).GetProperty("status").GetString());
        var openapi = await h.Http.GetFromJsonAsync<JsonElement>("/openapi.json");
        Assert.True(openapi.GetProperty("paths").TryGetProperty("/api/jobs", out _));
    }

    [Fact]
    public async Task The_queue_lists_in_order_reorders_cancels_deletes_and_serves_outputs_by_enumerated_name_only()
    {
        await using var validator = await ServeHarness.Start(models.Host, o => o with { Workers = 0 }); // no worker: the jobs stay queued
        var ids = await validator.Submit(new { model = "fmnist-image", prompt = "bag", seeds = new[] { 1, 2, 3 }, steps = 4 });
        Assert.Equal(3, ids.Length);
        var listed = (await validator.Http.GetFromJsonAsync<JsonElement>("/api/jobs")).EnumerateArray().Select(j => j.GetProperty("id").GetString()).ToArray();
        Assert.Equal(ids, listed);
        Assert.Equal(new long[] { 1, 2, 3 }, ids.Select(i => validator.Job(i).Result.GetProperty("spec").GetProperty("seed").GetInt64()));

        using (var r = await validator.Post("/api/queue/order", new { ids = new[] { ids[2] } })) Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        listed = (await validator.Http.GetFromJsonAsync<JsonElement>("/api/jobs")).EnumerateArray().Select(j => j.GetProperty("id").GetString()).ToArray();
        Assert.Equal(new[] { ids[2], ids[0], ids[1] }, listed);

        using (var r = await validator.Http.PostAsync($"/api/jobs/{ids[0]}/cancel", null)) Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("cancelled", (await validator.Job(ids[0])).GetProperty("state").GetString());
        using (var r = await validator.Http.DeleteAsync($"/api/jobs/{ids[0]}")) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        using (var r = await validator.Http.GetAsync($"/api/jobs/{ids[0]}")) Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);

        foreach (var name in new[] { "jano.db", "..%2Fjano.db", "output_frames%2Fframe_000.png", "output.PNG" })
        {
            using var r = await validator.Http.GetAsync($"/api/jobs/{ids[1]}/outputs/{name}");
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        }
        // A random seed when none is given.
        var random = (await validator.Submit(new { model = "fmnist-image", prompt = "bag" })).Single();
        Assert.True((await validator.Job(random)).GetProperty("spec").GetProperty("seed").GetInt64() >= 0);
    }

    [Fact]
    public async Task Server_sent_events_stream_every_step_then_the_finished_job()
    {
        await using var h = await ServeHarness.Start(models.Host);
        var id = (await h.Submit(new { model = "fmnist-video", prompt = "bag", steps = 40, frames = 4, accel = "jano", seed = 5 })).Single();
        using var stream = await h.Http.GetStreamAsync($"/api/jobs/{id}/events");
        using var reader = new StreamReader(stream);
        var steps = new HashSet<(string, int)>();
        var levels = new HashSet<string>();
        var phases = new HashSet<string>();
        string? levelMap = null;
        string? preview = null;
        string? final = null;
        string? line;
        while ((line = await reader.ReadLineAsync()) is not null)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var job = JsonDocument.Parse(line["data: ".Length..]).RootElement;
            if (job.TryGetProperty("progress", out var p))
            {
                steps.Add((p.GetProperty("phase").GetString()!, p.GetProperty("step").GetInt32()));
                if (p.TryGetProperty("level", out var l)) levels.Add(l.GetString()!);
                if (p.TryGetProperty("step_phase", out var sp)) phases.Add(sp.GetString()!);
                if (p.TryGetProperty("level_map", out var lm)) levelMap = lm.GetString();
                if (p.TryGetProperty("preview", out var pv)) preview = pv.GetString();
                Assert.True(p.GetProperty("elapsed_s").GetDouble() >= 0);
            }
            var state = job.GetProperty("state").GetString()!;
            if (state is "done" or "failed" or "cancelled") final = state;
        }
        Assert.Equal("done", final);
        Assert.True(steps.Count(s => s.Item1.StartsWith("jano", StringComparison.Ordinal)) >= 3, $"distinct steps seen: {steps.Count}");
        // progress is written at most every 150 ms, so which steps are seen depends on the machine's speed: check the names
        Assert.NotEmpty(levels);
        Assert.All(levels, l => Assert.Contains(l, new[] { "full", "L1", "L2", "L3" }));
        Assert.Contains("warm-up", phases);
        // Jano's level map arrives while the job runs, once the analysis is done.
        Assert.NotNull(levelMap);
        Assert.StartsWith("data:image/png;base64,", levelMap, StringComparison.Ordinal);
        var png = Convert.FromBase64String(levelMap["data:image/png;base64,".Length..]);
        var path = WritePng(png);
        var frame = Jano.Engine.Output.PngWriter.Read(path);
        File.Delete(path);
        Assert.True(frame.Width >= 4 * 8 * 2 && frame.Height > 8 * 2, $"{frame.Width}x{frame.Height}");
        // A preview of the forming picture arrives while the job runs: its 4 frames of 32x32 side by side, 2 pixels apart.
        Assert.NotNull(preview);
        Assert.StartsWith("data:image/png;base64,", preview, StringComparison.Ordinal);
        path = WritePng(Convert.FromBase64String(preview["data:image/png;base64,".Length..]));
        var shown = Jano.Engine.Output.PngWriter.Read(path);
        File.Delete(path);
        Assert.Equal((4 * 32 + 3 * 2, 32), (shown.Width, shown.Height));
    }

    // The names of this process's threads as the kernel shows them (a managed thread's Name, cut to 15 characters).
    private static string[] ThreadNames() =>
        Directory.GetDirectories("/proc/self/task").Select(t => File.ReadAllText(Path.Combine(t, "comm")).TrimEnd('\n')).ToArray();

    private static string WritePng(byte[] png)
    {
        var path = Path.Combine(Path.GetTempPath(), $"jano-levels-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, png);
        return path;
    }

    [Fact]
    public async Task A_running_job_is_cancelled_through_the_queue()
    {
        await using var h = await ServeHarness.Start(models.Host);
        var id = (await h.Submit(new { model = "fmnist-video", prompt = "bag", steps = 200, seed = 1 })).Single();
        await h.WaitFor(id, j => j.TryGetProperty("progress", out var p) && p.GetProperty("step").GetInt32() >= 1);
        // The generation runs on a thread of its own (named so), not on a thread-pool thread.
        if (OperatingSystem.IsLinux())
            Assert.Contains(QueueWorker.GenerationThreadName, ThreadNames());
        using (var r = await h.Http.DeleteAsync($"/api/jobs/{id}")) Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
        using (var r = await h.Http.PostAsync($"/api/jobs/{id}/cancel", null)) Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var job = await h.WaitFor(id, j => j.GetProperty("state").GetString() != "running", 60);
        Assert.Equal("cancelled", job.GetProperty("state").GetString());
    }
}
