using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Jano.Core;
using Jano.Server.Queue;

namespace Jano.Server.Workers;

/// <summary>
/// Claims jobs for the models of a <see cref="ModelHost"/> from an <see cref="IJobStore"/> and runs them one at a time (so a
/// <c>compare</c> job runs alone): progress and lease renewals go to the queue while the job runs, a cancellation asked for
/// through the queue stops it at the next step, the outputs are committed with the job only while this worker still holds
/// its lease, and stopping the worker puts its running job back in the queue.
/// </summary>
public sealed class QueueWorker
{
    private readonly IJobStore _store;
    private readonly ModelHost _models;
    private readonly WorkerOptions _options;
    private readonly Action<string> _log;
    private readonly long _startedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private DateTime _lastRecover = DateTime.MinValue;
    private DateTime _lastBeat = DateTime.MinValue;

    /// <param name="log">Receives one line per notable event (claims, results, refused completions).</param>
    public QueueWorker(IJobStore store, ModelHost models, WorkerOptions options, Action<string> log)
    {
        _store = store;
        _models = models;
        _options = options;
        _log = log;
    }

    public string Id => _options.Id;

    /// <summary>Runs until <paramref name="stop"/> is cancelled; a job running then goes back to the queue.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await BeatAsync(null, force: false, stop).ConfigureAwait(false);
                if (DateTime.UtcNow - _lastRecover > TimeSpan.FromSeconds(1))
                {
                    _lastRecover = DateTime.UtcNow;
                    int n = await _store.RecoverExpiredAsync(_options.MaxAttempts, stop).ConfigureAwait(false);
                    if (n > 0) _log($"recovered {n} job(s) whose worker stopped reporting");
                }
                JobClaim? claim;
                try
                {
                    claim = await _store.ClaimAsync(Id, _models.Names, _options.Lease, stop).ConfigureAwait(false);
                }
                catch (System.Data.Common.DbException e)
                {
                    _log($"queue database: {ErrorText.Describe(e)}; retrying");
                    await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
                    continue;
                }
                if (claim is null)
                {
                    await Task.Delay(_options.Poll, stop).ConfigureAwait(false);
                    continue;
                }
                await BeatAsync(claim.Job.Id, force: true, CancellationToken.None).ConfigureAwait(false);
                await RunJobAsync(claim, stop).ConfigureAwait(false);
                await BeatAsync(null, force: true, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            await _store.RemoveWorkerAsync(Id, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task BeatAsync(string? job, bool force, CancellationToken cancel)
    {
        if (!force && DateTime.UtcNow - _lastBeat < TimeSpan.FromSeconds(2)) return;
        _lastBeat = DateTime.UtcNow;
        await _store.WorkerHeartbeatAsync(new WorkerRecord
        {
            Id = Id, Host = Environment.MachineName, Models = _models.Names, StartedMs = _startedMs, Job = job,
        }, cancel).ConfigureAwait(false);
    }

    private sealed class Latest : IProgress<JanoProgress>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private ProgressSnapshot? _value;
        private string? _levelMap;
        private int _sequence;

        public ProgressSnapshot? Value => Volatile.Read(ref _value);

        public void Report(JanoProgress value)
        {
            int n = Interlocked.Increment(ref _sequence);
            if (value.LevelMap is { } map) _levelMap = "data:image/png;base64," + Convert.ToBase64String(Jano.Engine.Output.PngWriter.Encode(map));
            Volatile.Write(ref _value, new ProgressSnapshot(value.Phase, value.Step, value.Steps, value.StepPhase, value.Level, value.TokensComputed,
                Math.Round(_clock.Elapsed.TotalSeconds, 3), _levelMap, n));
        }
    }

    private async Task RunJobAsync(JobClaim claim, CancellationToken stop)
    {
        var job = claim.Job;
        var model = _models.Find(job.Model);
        if (model is null)
        {
            await _store.FailAsync(job.Id, claim.Token, $"model '{job.Model}' is not held by worker {Id}", CancellationToken.None).ConfigureAwait(false);
            return;
        }
        _log($"job {job.Id}: {job.Model} '{job.Spec.Prompt}' (attempt {job.Attempts})");
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var progress = new Latest();
        var lease = LeaseStatus.Held;
        var generation = Task.Run(() => model.Generate(job.Spec.ToRequest(), progress, abort.Token), CancellationToken.None);
        ProgressSnapshot? written = null;
        var lastWrite = Stopwatch.StartNew();
        while (!generation.IsCompleted)
        {
            await Task.WhenAny(generation, Task.Delay(_options.ProgressInterval, CancellationToken.None)).ConfigureAwait(false);
            try
            {
                await BeatAsync(job.Id, force: false, CancellationToken.None).ConfigureAwait(false);
            }
            catch (System.Data.Common.DbException e)
            {
                _log($"worker heartbeat failed: {ErrorText.Describe(e)}");
            }
            var now = progress.Value;
            bool changed = now is not null && !ReferenceEquals(now, written);
            if (!changed && lastWrite.Elapsed < _options.Lease / 4) continue;
            try
            {
                lease = await _store.HeartbeatAsync(job.Id, claim.Token, _options.Lease,
                    changed ? JsonSerializer.Serialize(now, ServerJson.Options) : null, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _log($"job {job.Id}: heartbeat failed: {ErrorText.Describe(e)}");
                continue;
            }
            written = now;
            lastWrite.Restart();
            if (lease != LeaseStatus.Held) abort.Cancel();
        }

        try
        {
            using var result = await generation.ConfigureAwait(false);
            var outputs = Collect(job, result);
            var summary = Summarize(result, outputs);
            bool committed = await _store.CompleteAsync(job.Id, claim.Token, JsonSerializer.Serialize(summary, ServerJson.Options), outputs,
                CancellationToken.None).ConfigureAwait(false);
            _log(committed
                ? $"job {job.Id}: done in {result.LatencySeconds.ToString("F3", CultureInfo.InvariantCulture)} s"
                : $"job {job.Id}: completion refused: this worker's lease was lost (the job went back to the queue)");
        }
        catch (OperationCanceledException) when (lease == LeaseStatus.Lost)
        {
            _log($"job {job.Id}: lease lost, stopped (the job went back to the queue)");
        }
        catch (OperationCanceledException) when (lease == LeaseStatus.CancelRequested)
        {
            await _store.CancelledAsync(job.Id, claim.Token, CancellationToken.None).ConfigureAwait(false);
            _log($"job {job.Id}: cancelled");
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            bool back = await _store.ReleaseAsync(job.Id, claim.Token, CancellationToken.None).ConfigureAwait(false);
            _log(back ? $"job {job.Id}: stopping, put back in the queue" : $"job {job.Id}: stopping; the lease was already lost");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            string reason = ErrorText.Describe(e);
            bool failed = await _store.FailAsync(job.Id, claim.Token, reason, CancellationToken.None).ConfigureAwait(false);
            _log($"job {job.Id}: failed: {reason}{(failed ? "" : " (lease already lost)")}");
        }
    }

    private List<JobOutput> Collect(JobRecord job, JanoResult result)
    {
        var dir = Path.Combine(_options.WorkDir, $"{job.Id}-{Guid.NewGuid():N}");
        try
        {
            var files = result.SaveAll(dir);
            string settings = JsonSerializer.Serialize(job.Spec, ServerJson.Options);
            var outputs = new List<JobOutput>();
            foreach (var name in files)
            {
                if (!OutputNames.ContentTypes.TryGetValue(name, out var type)) continue; // per-frame PNGs stay out (the montage has them)
                var bytes = File.ReadAllBytes(Path.Combine(dir, name));
                if (type == "image/png") bytes = PngText.Add(bytes, OutputNames.SettingsKeyword, settings);
                outputs.Add(new JobOutput(name, type, bytes));
            }
            return outputs;
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    private JobSummary Summarize(JanoResult result, List<JobOutput> outputs)
    {
        var r = result.Report;
        return new JobSummary
        {
            Outputs = outputs.Select(o => o.Name).ToArray(),
            Worker = Id,
            LatencyS = r.LatencySeconds,
            BaselineLatencyS = r.BaselineLatencySeconds,
            Speedup = r.Speedup,
            Psnr = r.Psnr,
            Ssim = r.Ssim,
            Identical = r.Identical,
            ComputedTokenFraction = r.ComputedTokenFraction,
            Steps = r.Steps,
            Size = r.Size,
            Frames = r.Frames,
            Threads = r.Threads,
            StepLevels = r.StepLevels,
        };
    }
}
