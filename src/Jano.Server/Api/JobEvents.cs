using System.Text.Json;
using Jano.Server.Queue;
using Microsoft.AspNetCore.Http;

namespace Jano.Server.Api;

/// <summary>
/// Server-Sent Events for one job, read from the queue's database (so a job on another machine's worker streams the same):
/// an <c>event: job</c> with the whole <see cref="JobView"/> at every change of its row (progress included), until the job
/// ends; a comment every 15 s keeps proxies from closing an idle stream.
/// </summary>
public static class JobEvents
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static async Task Run(HttpContext http, IJobStore store, string id)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(store);
        var cancel = http.RequestAborted;
        var job = await store.GetAsync(id, cancel).ConfigureAwait(false);
        if (job is null)
        {
            await ApiErrors.Write(http, StatusCodes.Status404NotFound, $"no job '{id}'").ConfigureAwait(false);
            return;
        }
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        long version = -1;
        var quiet = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                if (job is null)
                {
                    await http.Response.WriteAsync("event: deleted\ndata: {}\n\n", cancel).ConfigureAwait(false);
                    break;
                }
                if (job.Version != version)
                {
                    version = job.Version;
                    await http.Response.WriteAsync($"event: job\ndata: {JsonSerializer.Serialize(JobView.From(job), ServerJson.Options)}\n\n", cancel).ConfigureAwait(false);
                    await http.Response.Body.FlushAsync(cancel).ConfigureAwait(false);
                    quiet.Restart();
                    if (JobState.IsFinal(job.State)) break;
                }
                else if (quiet.Elapsed > KeepAlive)
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", cancel).ConfigureAwait(false);
                    await http.Response.Body.FlushAsync(cancel).ConfigureAwait(false);
                    quiet.Restart();
                }
                await Task.Delay(Poll, cancel).ConfigureAwait(false);
                job = await store.GetAsync(id, cancel).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
        }
    }
}
