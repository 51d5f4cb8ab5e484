using System.Text.Json;
using Jano.Server.Queue;
using Jano.Server.Security;
using Jano.Server.Workers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Jano.Server.Api;

/// <summary>The HTTP API (JSON), the Server-Sent Events stream of a job, and the page's files.</summary>
public static class ApiEndpoints
{
    /// <summary>Workers that reported within this long count as live.</summary>
    public static readonly TimeSpan WorkerMaxAge = TimeSpan.FromSeconds(30);

    public static void Map(IEndpointRouteBuilder app, ServerContext ctx)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(ctx);
        var store = ctx.Store;

        app.MapGet("/healthz", async (CancellationToken ct) =>
        {
            await store.ListWorkersAsync(WorkerMaxAge, ct).ConfigureAwait(false);
            return Results.Json(new { status = "ok" }, ServerJson.Options);
        }).WithSummary("Liveness: the server answers and its queue database responds.");

        app.MapGet("/api/models", async (CancellationToken ct) => Results.Json(await Models(ctx, ct).ConfigureAwait(false), ServerJson.Options))
            .Produces<IReadOnlyList<ModelView>>().WithSummary("Models held by the server or a live worker, with defaults and Jano presets.");

        app.MapGet("/api/accelerators", () => Results.Json(JanoModel.Accelerators, ServerJson.Options))
            .Produces<IReadOnlyList<JanoAcceleratorInfo>>().WithSummary("Accelerators a job may use.");

        app.MapGet("/api/workers", async (CancellationToken ct) => Results.Json(await store.ListWorkersAsync(WorkerMaxAge, ct).ConfigureAwait(false), ServerJson.Options))
            .Produces<IReadOnlyList<WorkerRecord>>().WithSummary("Live workers: host, models, last heartbeat, current job.");

        app.MapPost("/api/jobs", async (HttpContext http, CancellationToken ct) =>
        {
            var (body, error) = await ReadJson<JobSubmission>(http, ctx.Limits).ConfigureAwait(false);
            if (body is null) return error!;
            var available = (await Models(ctx, ct).ConfigureAwait(false)).Select(m => m.Name).ToArray();
            var (specs, problem) = ctx.Validator.Validate(body, available, ctx.Models);
            if (specs is null) return ApiErrors.Result(StatusCodes.Status400BadRequest, problem!);
            try
            {
                var jobs = await store.EnqueueAsync(specs, ctx.Limits.MaxQueued, ct).ConfigureAwait(false);
                return Results.Json(jobs.Select(JobView.From).ToArray(), ServerJson.Options, statusCode: StatusCodes.Status201Created);
            }
            catch (QueueFullException e)
            {
                return ApiErrors.Result(StatusCodes.Status429TooManyRequests, e.Message);
            }
        }).Accepts<JobSubmission>("application/json").Produces<IReadOnlyList<JobView>>(StatusCodes.Status201Created)
          .Produces<ApiError>(StatusCodes.Status400BadRequest).Produces<ApiError>(StatusCodes.Status429TooManyRequests)
          .WithSummary("Queue a generation (one job per seed).");

        app.MapGet("/api/jobs", async (int? limit, CancellationToken ct) =>
            Results.Json((await store.ListAsync(Math.Clamp(limit ?? 100, 1, 1000), ct).ConfigureAwait(false)).Select(JobView.From).ToArray(), ServerJson.Options))
            .Produces<IReadOnlyList<JobView>>().WithSummary("Running, then queued (in run order), then finished jobs (newest first).");

        app.MapGet("/api/jobs/{id}", async (string id, CancellationToken ct) =>
            await store.GetAsync(id, ct).ConfigureAwait(false) is { } job ? Results.Json(JobView.From(job), ServerJson.Options) : NotFound(id))
            .Produces<JobView>().Produces<ApiError>(StatusCodes.Status404NotFound).WithSummary("One job.");

        app.MapPost("/api/jobs/{id}/cancel", async (string id, CancellationToken ct) =>
            await store.CancelAsync(id, ct).ConfigureAwait(false) is { } job ? Results.Json(JobView.From(job), ServerJson.Options) : NotFound(id))
            .Produces<JobView>().WithSummary("Cancel a queued job, or ask the worker of a running one to stop it.");

        app.MapDelete("/api/jobs/{id}", async (string id, CancellationToken ct) =>
        {
            if (await store.DeleteAsync(id, ct).ConfigureAwait(false)) return Results.NoContent();
            return await store.GetAsync(id, ct).ConfigureAwait(false) is null
                ? NotFound(id)
                : ApiErrors.Result(StatusCodes.Status409Conflict, $"job {id} is running; cancel it first");
        }).WithSummary("Delete a job that is not running, with its outputs.");

        app.MapPost("/api/queue/order", async (HttpContext http, CancellationToken ct) =>
        {
            var (body, error) = await ReadJson<QueueOrder>(http, ctx.Limits).ConfigureAwait(false);
            if (body is null) return error!;
            if (body.Ids is not { Count: > 0 } ids || ids.Count > ctx.Limits.MaxQueued)
                return ApiErrors.Result(StatusCodes.Status400BadRequest, $"ids: 1 to {ctx.Limits.MaxQueued} job ids");
            return Results.Json(new { moved = await store.ReorderAsync(ids, ct).ConfigureAwait(false) }, ServerJson.Options);
        }).Accepts<QueueOrder>("application/json").WithSummary("Move queued jobs, in the given order, to the front of the queue.");

        app.MapGet("/api/jobs/{id}/outputs/{name}", async (string id, string name, CancellationToken ct) =>
        {
            if (!OutputNames.ContentTypes.ContainsKey(name))
                return ApiErrors.Result(StatusCodes.Status404NotFound, $"no output named '{name}'; outputs: {string.Join(", ", OutputNames.ContentTypes.Keys)}");
            var output = await store.GetOutputAsync(id, name, ct).ConfigureAwait(false);
            return output is null
                ? ApiErrors.Result(StatusCodes.Status404NotFound, $"job {id} has no {name}")
                : Results.Bytes(output.Bytes, output.ContentType, name);
        }).WithSummary("An output file by name: output.png|gif|mp4, baseline.png|gif|mp4, levels.png, report.json.");

        app.MapGet("/api/jobs/{id}/events", (HttpContext http, string id) => JobEvents.Run(http, store, id))
            .WithSummary("Server-Sent Events: 'job' events with the job (state, progress) at every change until it ends.");

        app.MapPost("/api/login", async (HttpContext http) =>
        {
            var (body, error) = await ReadJson<LoginRequest>(http, ctx.Limits).ConfigureAwait(false);
            if (body is null) return error!;
            if (!ctx.Policy.RequiresToken) return Results.NoContent();
            if (!ctx.Policy.TokenMatches(body.Token)) return ApiErrors.Result(StatusCodes.Status401Unauthorized, "wrong token");
            http.Response.Cookies.Append(AccessPolicy.CookieName, body.Token!, new CookieOptions
            {
                HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, Path = "/",
            });
            return Results.NoContent();
        }).Accepts<LoginRequest>("application/json").WithSummary("Give the page the access token (kept in an HttpOnly SameSite=Strict cookie).");

        app.MapGet("/api/session", (HttpContext http) => Results.Json(new { token_required = ctx.Policy.RequiresToken }, ServerJson.Options))
            .WithSummary("Whether the caller is allowed in (401 when a token is required and missing).");

        foreach (var (path, resource, type) in new[]
                 {
                     ("/", "web/index.html", "text/html; charset=utf-8"), ("/app.js", "web/app.js", "text/javascript; charset=utf-8"),
                     ("/app.css", "web/app.css", "text/css; charset=utf-8"),
                 })
        {
            var bytes = WebAsset(resource);
            app.MapGet(path, () => Results.Bytes(bytes, type)).ExcludeFromDescription();
        }
    }

    private static IResult NotFound(string id) => ApiErrors.Result(StatusCodes.Status404NotFound, $"no job '{id}'");

    private static byte[] WebAsset(string name)
    {
        using var stream = typeof(ApiEndpoints).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded page file {name} is missing from the build");
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return ms.ToArray();
    }

    private static async Task<IReadOnlyList<ModelView>> Models(ServerContext ctx, CancellationToken ct)
    {
        var workers = await ctx.Store.ListWorkersAsync(WorkerMaxAge, ct).ConfigureAwait(false);
        var names = new List<string>(ctx.Models?.Names ?? []);
        foreach (var w in workers)
            foreach (var m in w.Models)
                if (!names.Contains(m, StringComparer.OrdinalIgnoreCase)) names.Add(m);
        return names.Select(n =>
        {
            var holders = workers.Where(w => w.Models.Contains(n, StringComparer.OrdinalIgnoreCase)).Select(w => w.Id).ToArray();
            if (ctx.Models?.Find(n) is not { } m) return new ModelView { Name = n, Workers = holders };
            var i = m.Info;
            return new ModelView
            {
                Name = n, Description = i.Description, Width = i.Width, Height = i.Height, Frames = i.Frames, Steps = i.Steps, Guidance = i.Guidance,
                Shift = i.Shift, JanoPreset = i.JanoPreset, Prompts = i.Prompts, HasWeights = i.HasWeights, Workers = holders,
            };
        }).ToArray();
    }

    // Reads a JSON body within the size limit; a wrong body is a 400 naming what is wrong.
    private static async Task<(T? Body, IResult? Error)> ReadJson<T>(HttpContext http, ServerLimits limits) where T : class
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = await http.Request.Body.ReadAsync(chunk, http.RequestAborted).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > limits.MaxBodyBytes)
                return (null, ApiErrors.Result(StatusCodes.Status413PayloadTooLarge, $"request body is over the limit of {limits.MaxBodyBytes} bytes"));
        }
        if (buffer.Length == 0) return (null, ApiErrors.Result(StatusCodes.Status400BadRequest, "request body: a JSON object is required"));
        try
        {
            var body = JsonSerializer.Deserialize<T>(buffer.ToArray(), ServerJson.Options);
            return body is null ? (null, ApiErrors.Result(StatusCodes.Status400BadRequest, "request body: a JSON object is required")) : (body, null);
        }
        catch (JsonException e)
        {
            string where = e.Path is { Length: > 1 } p ? $" at {p}" : "";
            string what = e.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "unknown field" : "invalid JSON or a value of the wrong type";
            return (null, ApiErrors.Result(StatusCodes.Status400BadRequest, $"request body: {what}{where}"));
        }
    }

}
