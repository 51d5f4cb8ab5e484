using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Jano.Server;
using Jano.Server.Queue;
using Jano.Server.Workers;
using Jano.Tests.Cli;
using Xunit;

namespace Jano.Tests.Serve;

/// <summary>A real <see cref="JanoServer"/> (Kestrel on a free loopback port) over a SQLite queue in a temporary folder,
/// and an <see cref="HttpClient"/> for it.</summary>
internal sealed class ServeHarness : IAsyncDisposable
{
    private ServeHarness(JanoServer server, SqliteJobStore store, string dataDir, HttpClient http)
    {
        Server = server;
        Store = store;
        DataDir = dataDir;
        Http = http;
    }

    public JanoServer Server { get; }
    public SqliteJobStore Store { get; }
    public string DataDir { get; }
    public HttpClient Http { get; }
    public List<string> Log { get; } = [];

    public static async Task<ServeHarness> Start(ModelHost? models, Func<ServeOptions, ServeOptions>? configure = null, string? dataDir = null)
    {
        dataDir ??= CliRunner.TempDir();
        var options = new ServeOptions { Port = 0, DataDir = dataDir, Workers = models is null ? 0 : 1, Lease = TimeSpan.FromSeconds(10) };
        options = configure?.Invoke(options) ?? options;
        var store = SqliteJobStore.InFolder(dataDir);
        var log = new List<string>();
        var server = await JanoServer.StartAsync(options, store, models, line => { lock (log) log.Add(line); });
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Address.Port}"), Timeout = TimeSpan.FromSeconds(60) };
        var h = new ServeHarness(server, store, dataDir, http);
        h.Log.AddRange(log);
        return h;
    }

    public static StringContent Json(object body) => new(JsonSerializer.Serialize(body, ServerJson.Options), Encoding.UTF8, "application/json");

    public async Task<HttpResponseMessage> Post(string path, object body) => await Http.PostAsync(path, Json(body));

    /// <summary>Submits and returns the created jobs' ids (asserting 201).</summary>
    public async Task<string[]> Submit(object body)
    {
        using var r = await Post("/api/jobs", body);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == System.Net.HttpStatusCode.Created, $"{(int)r.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.EnumerateArray().Select(j => j.GetProperty("id").GetString()!).ToArray();
    }

    public async Task<JsonElement> Job(string id) => (await Http.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}"));

    /// <summary>Polls the job until <paramref name="until"/> holds (default: a final state).</summary>
    public async Task<JsonElement> WaitFor(string id, Func<JsonElement, bool>? until = null, int seconds = 120)
    {
        until ??= j => JobState.IsFinal(j.GetProperty("state").GetString()!);
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var job = await Job(id);
            if (until(job)) return job;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"job {id} did not get there in {seconds} s: {job}");
            await Task.Delay(50);
        }
    }

    public async Task<byte[]> Output(string id, string name)
    {
        using var r = await Http.GetAsync($"/api/jobs/{id}/outputs/{name}");
        Assert.True(r.IsSuccessStatusCode, $"{name}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        return await r.Content.ReadAsByteArrayAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        Store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { } // a worker process may still hold a file
    }
}
