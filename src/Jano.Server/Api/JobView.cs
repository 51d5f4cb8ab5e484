using Jano.Server.Queue;
using Jano.Server.Workers;
using System.Text.Json;

namespace Jano.Server.Api;

/// <summary>A job as the API shows it.</summary>
public sealed record JobView
{
    public required string Id { get; init; }
    public required string Model { get; init; }
    public required string State { get; init; }
    public required JobSpec Spec { get; init; }
    public int Attempts { get; init; }
    public long CreatedMs { get; init; }
    public long? StartedMs { get; init; }
    public long? FinishedMs { get; init; }
    public string? Worker { get; init; }
    public string? Error { get; init; }
    public bool CancelRequested { get; init; }
    public ProgressSnapshot? Progress { get; init; }
    public JobSummary? Result { get; init; }

    /// <summary>The <c>jano generate</c> command line that gives the same outputs.</summary>
    public string Command => "jano generate " + string.Join(' ', Spec.GenerateArguments.Select(Quote));

    private static string Quote(string a) => a.Length > 0 && a.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '=' or ',' or '/' or '+')
        ? a : "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public static JobView From(JobRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new JobView
        {
            Id = r.Id, Model = r.Model, State = r.State, Spec = r.Spec, Attempts = r.Attempts, CreatedMs = r.CreatedMs, StartedMs = r.StartedMs,
            FinishedMs = r.FinishedMs, Worker = r.Worker, Error = r.Error, CancelRequested = r.CancelRequested,
            Progress = r.State == JobState.Running && r.Progress is { } p ? JsonSerializer.Deserialize<ProgressSnapshot>(p, ServerJson.Options) : null,
            Result = r.Result is { } s ? JsonSerializer.Deserialize<JobSummary>(s, ServerJson.Options) : null,
        };
    }
}
