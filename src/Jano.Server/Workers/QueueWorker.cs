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
/// its lease, and stopping the worker puts its running job back in the queue. Generations run on one dedicated thread
/// (<see cref="GenerationThread"/>); after each job the memory it freed goes back to the system (<see cref="NativeHeap"/>).
/// </summary>
public sealed class QueueWorker
{
    private readonly IJobStore _store;
    private readonly ModelHost _models;
    private readonly WorkerOptions _options;
    private readonly Action<string> _log;
    private readonly GenerationThread? _generations;
    private readonly long _startedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private DateTime _lastRecover = DateTime.MinValue;
    private DateTime _lastBeat = DateTime.MinValue;

    /// <param name="log">Receives one line per notable event (claims, results, refused completions).</param>
    public QueueWorker(IJobStore store, ModelHost models, WorkerOptions options, Action<string> log)
        : this(store, models, options, log, generations: null)
    {
    }

    /// <param name="generations">The thread to run generations on (the caller's, kept after the worker stops); null: the
    /// worker's own, for its whole run.</param>
    internal QueueWorker(IJobStore store, ModelHost models, WorkerOptions options, Action<string> log, GenerationThread? generations)
    {
        _store = store;
        _models = models;
        _options = options;
        _log = log;
        _generations = generations;
    }

    public string Id => _options.Id;

    /// <summary>Runs until <paramref name="stop"/> is cancelled; a job running then goes back to the queue.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        using var owned = _generations is null ? new GenerationThread(GenerationThreadName) : null;
        var generations = _generations ?? owned!;
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
                await RunJobAsync(claim, generations, stop).ConfigureAwait(false);
                NativeHeap.Release();
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

    // The latest progress of a running job. Report runs on the generation thread inside the timed denoising loop, so it
    // only keeps references; the snapshot (with its pictures encoded as PNG data URLs, each picture once) is built on the
    // worker loop's thread when it is read.
    private sealed class Latest : IProgress<JanoProgress>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private Raw? _raw;
        private Jano.Engine.Output.Frame8? _levelMap, _preview;
        private int _sequence;
        private Raw? _built;
        private ProgressSnapshot? _snapshot;
        private (Jano.Engine.Output.Frame8? Frame, string? Url) _levelMapUrl, _previewUrl;

        private sealed record Raw(JanoProgress Value, int Sequence, double ElapsedS, Jano.Engine.Output.Frame8? LevelMap, Jano.Engine.Output.Frame8? Preview);

        public void Report(JanoProgress value)
        {
            _levelMap = value.LevelMap ?? _levelMap;
            _preview = value.Preview ?? _preview;
            Volatile.Write(ref _raw, new Raw(value, Interlocked.Increment(ref _sequence), Math.Round(_clock.Elapsed.TotalSeconds, 3), _levelMap, _preview));
        }

        /// <summary>The snapshot of the latest report (the same instance until another report arrives); one reader thread.</summary>
        public ProgressSnapshot? Value
        {
            get
            {
                var raw = Volatile.Read(ref _raw);
                if (raw is null || ReferenceEquals(raw, _built)) return _snapshot;
                var v = raw.Value;
                _snapshot = new ProgressSnapshot(v.Phase, v.Step, v.Steps, v.StepPhase, v.Level, v.TokensComputed, raw.ElapsedS,
                    DataUrl(raw.LevelMap, ref _levelMapUrl), raw.Sequence, DataUrl(raw.Preview, ref _previewUrl));
                _built = raw;
                return _snapshot;
            }
        }

        private static string? DataUrl(Jano.Engine.Output.Frame8? frame, ref (Jano.Engine.Output.Frame8? Frame, string? Url) cache)
        {
            if (frame is null) return null;
            if (!ReferenceEquals(frame, cache.Frame))
                cache = (frame, "data:image/png;base64," + Convert.ToBase64String(Jano.Engine.Output.PngWriter.Encode(frame)));
            return cache.Url;
        }
    }

    /// <summary>Name of the thread a worker's generations run on (<see cref="GenerationThread"/>).</summary>
    internal const string GenerationThreadName = "jano-generate";

    private async Task RunJobAsync(JobClaim claim, GenerationThread generations, CancellationToken stop)
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
        var request = job.Spec.ToRequest();
        if (_options.PreviewsPerRun > 0)
            request = request with { PreviewEvery = Math.Max(1, (request.Steps ?? model.Info.Steps) / _options.PreviewsPerRun) };
        var generation = generations.Run(() => model.Generate(request, progress, abort.Token));
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
