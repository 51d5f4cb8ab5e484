using System.Net;
using Jano.Server.Api;
using Jano.Server.Queue;
using Jano.Server.Security;
using Jano.Server.Workers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Jano.Server;

/// <summary>
/// <c>jano serve</c> as a library: Kestrel with the API, the page and the event streams over an <see cref="IJobStore"/>,
/// in-process <see cref="QueueWorker"/>s on the given models, and a housekeeping loop (expired leases back to the queue,
/// old jobs pruned). <see cref="StopAsync"/> stops the workers first (their running jobs go back to the queue).
/// </summary>
public sealed class JanoServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly IJobStore _store;
    private readonly ServeOptions _options;
    private readonly Action<string> _log;
    private bool _stopped;

    private JanoServer(WebApplication app, IJobStore store, ServeOptions options, Action<string> log)
    {
        _app = app;
        _store = store;
        _options = options;
        _log = log;
    }

    /// <summary>The address it listens on (the port resolved when 0 was asked for).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The token file in use, or null when no token is required.</summary>
    public string? TokenPath { get; private set; }

    /// <summary>Starts listening and the workers.</summary>
    /// <param name="models">The models the in-process workers run (and the server validates against); may be null with
    /// <see cref="ServeOptions.Workers"/> 0.</param>
    /// <param name="log">Receives one line per notable event.</param>
    public static async Task<JanoServer> StartAsync(ServeOptions options, IJobStore store, ModelHost? models, Action<string> log, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(log);
        if (options.Workers > 0 && models is null) throw new ArgumentException("in-process workers need models", nameof(models));
        await store.InitializeAsync(cancel).ConfigureAwait(false);

        bool loopback = AccessPolicy.IsLoopback(options.Bind);
        string? tokenPath = options.TokenFile ?? (loopback ? null : Path.Combine(options.DataDir, "token"));
        string? token = tokenPath is null ? null : TokenFile.ReadOrCreate(tokenPath);
        var policy = new AccessPolicy(AccessPolicy.HostsFor(options.Bind, options.AllowedHosts), options.CorsOrigin, token);
        var context = new ServerContext(store, models, options.Limits, policy);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(JanoServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.Limits.MaxBodyBytes;
            k.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            var ip = options.Bind == "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.Bind);
            k.Listen(ip, options.Port);
        });
        builder.Services.ConfigureHttpJsonOptions(j => ServerJson.Configure(j.SerializerOptions));
        builder.Services.AddOpenApi();
        var app = builder.Build();
        app.UseMiddleware<SecurityMiddleware>(policy, options.Limits);
        app.MapOpenApi("/openapi.json");
        ApiEndpoints.Map(app, context);

        var server = new JanoServer(app, store, options, log) { TokenPath = tokenPath };
        await app.StartAsync(cancel).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        server.Address = new Uri(addresses.First().Replace("[::]", "localhost", StringComparison.Ordinal));

        for (int i = 0; i < options.Workers; i++)
        {
            var worker = new QueueWorker(store, models!, new WorkerOptions
            {
                Lease = options.Lease, MaxAttempts = options.MaxAttempts, WorkDir = Path.Combine(options.DataDir, "work"),
            }, log);
            server._loops.Add(Task.Run(() => worker.RunAsync(server._stop.Token), CancellationToken.None));
        }
        server._loops.Add(Task.Run(() => server.HousekeepingAsync(server._stop.Token), CancellationToken.None));
        return server;
    }

    private async Task HousekeepingAsync(CancellationToken stop)
    {
        var lastPrune = DateTime.MinValue;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                int n = await _store.RecoverExpiredAsync(_options.MaxAttempts, stop).ConfigureAwait(false);
                if (n > 0) _log($"recovered {n} job(s) whose worker stopped reporting");
                if (DateTime.UtcNow - lastPrune > TimeSpan.FromMinutes(1))
                {
                    lastPrune = DateTime.UtcNow;
                    await _store.PruneAsync(_options.Limits.KeepFinished, stop).ConfigureAwait(false);
                }
                await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is System.Data.Common.DbException or IOException)
            {
                _log($"housekeeping: {Core.ErrorText.Describe(e)}");
                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Stops the workers (a running job goes back to the queue), then the listener.</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
        await _app.StopAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
