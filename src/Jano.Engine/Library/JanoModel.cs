using System.Diagnostics;
using Jano.Bridge;
using Jano.Core.Acceleration;
using Jano.Core.Metrics;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Jano.Engine.Output;
using Jano.Engine.Pipelines;
using TorchSharp;

namespace Jano;

/// <summary>
/// The library entry point: a loaded model that generates images and videos, optionally accelerated and compared against
/// full compute. One instance keeps its weights loaded between calls; calls on one instance run one at a time.
/// <code>
/// using var model = JanoModel.Load("fmnist-video");
/// using var result = await model.GenerateAsync(new JanoRequest("sneaker") { Accelerator = "jano" }, progress, ct);
/// result.SavePng("sneaker.png");
/// </code>
/// The same request and seed give the same pixels as <c>jano generate</c> on the same machine and thread count.
/// </summary>
public sealed class JanoModel : IDisposable
{
    private readonly ModelBackend _backend;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _disposed;

    private JanoModel(ModelBackend backend)
    {
        _backend = backend;
    }

    /// <summary>The catalog's default model (<c>fmnist-video</c>).</summary>
    public const string DefaultModel = ModelCatalog.DefaultModel;

    /// <summary>Loads a catalog model by name (<see cref="CatalogNames"/>), or a Wan2.1-T2V checkpoint folder (official or
    /// Diffusers layout, checked like <c>jano inspect</c>; its DiT loads on the first call and stays loaded).</summary>
    /// <exception cref="ArgumentException">Unknown model name, device or dtype (one line naming it).</exception>
    /// <exception cref="InvalidDataException">An incomplete checkpoint folder, or unreadable weights.</exception>
    public static JanoModel Load(string nameOrFolder, JanoLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrFolder);
        options ??= new JanoLoadOptions();
        var device = RuntimeSettings.ParseDevice(options.Device);
        RuntimeSettings.ApplyThreads(options.Threads);
        if (Directory.Exists(nameOrFolder))
            return new JanoModel(WanBackend.Load(nameOrFolder, device, RuntimeSettings.ParseDType(options.DType ?? "bfloat16")));
        var spec = ModelCatalog.Find(nameOrFolder);
        var dtype = RuntimeSettings.ParseDType(options.DType ?? "float32");
        return new JanoModel(DitBackend.Load(spec, new ModelCatalog(ResolveAssets(options)), device, dtype));
    }

    /// <summary><see cref="Load"/> off the calling thread.</summary>
    public static Task<JanoModel> LoadAsync(string nameOrFolder, JanoLoadOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Load(nameOrFolder, options), cancellationToken);

    /// <summary>Names <see cref="Load"/> accepts besides a folder (the Wan2.1 entries need <c>Load(folder)</c>: weights are
    /// not shipped).</summary>
    public static IReadOnlyList<string> CatalogNames => ModelCatalog.Specs.Select(s => s.Name).ToArray();

    /// <summary>The accelerators <see cref="JanoRequest.Accelerator"/> accepts.</summary>
    public static IReadOnlyList<JanoAcceleratorInfo> Accelerators =>
        AcceleratorCatalog.Names.Select(n => new JanoAcceleratorInfo(n, AcceleratorCatalog.Describe(n))).ToArray();

    /// <summary>The assets folder <see cref="Load"/> uses for <paramref name="options"/>: <see cref="JanoLoadOptions.AssetsPath"/>,
    /// else the first <c>assets/</c> with <c>models/</c> or <c>classifiers/</c> from the application's base directory upward,
    /// else <c>assets/</c> beside the application.</summary>
    public static string ResolveAssets(JanoLoadOptions? options = null)
    {
        if (options?.AssetsPath is { } explicitPath) return Path.GetFullPath(explicitPath);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "assets");
            if (Directory.Exists(Path.Combine(candidate, "models")) || Directory.Exists(Path.Combine(candidate, "classifiers"))) return candidate;
        }
        return Path.Combine(AppContext.BaseDirectory, "assets");
    }

    /// <summary>The model's defaults.</summary>
    public JanoModelInfo Info => _backend.Info;

    /// <summary>Model name (as in <c>report.json</c>).</summary>
    public string Name => _backend.Info.Name;

    /// <summary>Where the weights came from: a path, or "random (seed N)" when a catalog model has no weights.</summary>
    public string WeightsSource => _backend.WeightsSource;

    /// <summary>Device the model runs on (<c>cpu</c>, <c>cuda</c>).</summary>
    public string Device => _backend.Device;

    /// <summary>Dtype of the weights (<c>float32</c>, <c>bfloat16</c>).</summary>
    public string DType => _backend.DType;

    /// <summary>The options accelerator <paramref name="accelerator"/> resolves to on this model: its defaults, the model's
    /// Jano preset and calibration, then <paramref name="options"/> (<c>k=v,...</c>), in the method's order.</summary>
    /// <exception cref="ArgumentException">Unknown accelerator, or an invalid option (one line naming it).</exception>
    public IReadOnlyList<KeyValuePair<string, string>> AcceleratorOptions(string accelerator, string? options = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _backend.CreateAccelerator(accelerator, options).Options;
    }

    /// <summary>Generates on a worker thread; see <see cref="Generate"/>.</summary>
    public Task<JanoResult> GenerateAsync(JanoRequest request, IProgress<JanoProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Task.Run(() => Generate(request, progress, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Validates <paramref name="request"/> before any compute, then runs it: with <see cref="JanoRequest.Compare"/> an
    /// untimed 3-step warm-up, then full and accelerated runs alternating <see cref="JanoRequest.Repeats"/> times (medians;
    /// no step result shared between runs), as <c>jano generate</c> does. Progress comes after every step.
    /// </summary>
    /// <exception cref="ArgumentException">Bad input (unknown prompt or accelerator, invalid option, size, steps...).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked before every step).</exception>
    public JanoResult Generate(JanoRequest request, IProgress<JanoProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        _gate.Wait(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return Run(request, progress, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private JanoResult Run(JanoRequest r, IProgress<JanoProgress>? progress, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var prepared = _backend.Prepare(r);
        var request = prepared.Request;
        StepSummary? last = null;
        var none = new StepReportingAccelerator(new NoAccelerator(), s => last = s);
        var accel = new StepReportingAccelerator(prepared.Accelerator, s => last = s);
        Action<int, int> Steps(string phase)
        {
            progress?.Report(new JanoProgress(phase, 0, request.Steps, null, null, clock.Elapsed));
            return (i, n) => progress?.Report(new JanoProgress(phase, i, n, last?.Level, last?.TokensComputed, clock.Elapsed));
        }
        void Phase(string phase) => progress?.Report(new JanoProgress(phase, 0, 1, null, null, clock.Elapsed));

        GenerationResult? baseline = null, accelerated = null;
        TorchSharp.torch.Tensor? video = null, baseVideo = null;
        var baseSamples = new List<double>();
        var accelSamples = new List<double>();
        try
        {
            using (var run = _backend.Start(prepared, Phase))
            {
                if (r.Compare)
                {
                    var warm = request with { Steps = Math.Min(3, request.Steps) };
                    progress?.Report(new JanoProgress("warm-up", 0, warm.Steps, null, null, clock.Elapsed));
                    using (run.Generate(warm, none, (i, n) => progress?.Report(new JanoProgress("warm-up", i, n, last?.Level, last?.TokensComputed, clock.Elapsed)), cancel)) { }
                }
                for (int k = 0; k < r.Repeats; k++)
                {
                    if (r.Compare)
                    {
                        var b = run.Generate(request, none, Steps($"full {k + 1}/{r.Repeats}"), cancel);
                        baseSamples.Add(b.LatencySeconds);
                        if (baseline is null) baseline = b; else b.Dispose();
                    }
                    var a = run.Generate(request, accel, Steps($"{prepared.Accelerator.Name} {k + 1}/{r.Repeats}"), cancel);
                    accelSamples.Add(a.LatencySeconds);
                    if (accelerated is null) accelerated = a; else a.Dispose();
                }
                cancel.ThrowIfCancellationRequested();
                Phase("decode");
                video = run.Decode(accelerated!.Latent);                                   // [C, F, H, W] in [-1, 1]
                if (baseline is not null) baseVideo = run.Decode(baseline.Latent);
            }
            var result = Assemble(prepared, accelerated, baseline, video, baseVideo, accelSamples, baseSamples);
            accelerated = null;
            baseline = null;
            return result;
        }
        finally
        {
            video?.Dispose();
            baseVideo?.Dispose();
            baseline?.Dispose();
            accelerated?.Dispose();
        }
    }

    // Frames, level map, metrics and the report, field for field as GenerateJob.Write (files are listed when saved).
    private JanoResult Assemble(PreparedRun prepared, GenerationResult result, GenerationResult? baseline, TorchSharp.torch.Tensor video,
        TorchSharp.torch.Tensor? baseVideo, List<double> samples, List<double> baseSamples)
    {
        var request = prepared.Request;
        var frames = FrameConverter.ToFrames(video);
        var baseFrames = baseVideo is null ? null : FrameConverter.ToFrames(baseVideo);
        var rep = result.Accelerator;
        var levelMap = _backend.LevelMap(frames, rep);
        QualityResult? quality = baseFrames is null ? null : ImageQuality.Compare(FrameConverter.ToRgb(frames), FrameConverter.ToRgb(baseFrames));
        double latency = GenerationResult.Median(samples);
        Dictionary<string, double>? relative = null;
        if (baseline is not null && baseline.MedianStepSeconds.TryGetValue("full", out var fullStep) && fullStep > 0)
            relative = result.MedianStepSeconds.ToDictionary(kv => kv.Key, kv => kv.Value / fullStep);
        var report = new GenerationReport
        {
            Model = Name,
            Weights = WeightsSource,
            Prompt = request.Prompt,
            Accel = prepared.Accelerator.Name,
            Options = prepared.Accelerator.Options.ToDictionary(kv => kv.Key, kv => kv.Value),
            Steps = request.Steps,
            Seed = request.Seed,
            Guidance = request.Guidance,
            Shift = request.Shift,
            Size = FormattableString.Invariant($"{video.shape[3]}x{video.shape[2]}"),
            Frames = (int)video.shape[1],
            Threads = torch.get_num_threads(),
            Device = Device,
            DType = DType,
            Sampler = prepared.Sampler,
            Version = RuntimeSettings.Version,
            Repeats = samples.Count,
            LatencySeconds = latency,
            LatencySamples = samples.ToArray(),
            AnalysisSeconds = rep.AnalysisSeconds,
            StepLevels = result.Steps.Select(s => s.Level).ToArray(),
            TokensPerStep = result.Steps.Select(s => s.TokensComputed).ToArray(),
            StepSeconds = result.Steps.Select(s => s.Seconds).ToArray(),
            TimePerLevel = result.MedianStepSeconds.ToDictionary(kv => kv.Key, kv => kv.Value),
            ComputedTokenFraction = result.ComputedTokenFraction,
            LevelFractions = rep.LevelFractions?.ToDictionary(kv => kv.Key, kv => kv.Value),
            CacheBytes = rep.CacheBytes,
            Notes = rep.Notes.ToArray(),
            BaselineLatencySeconds = baseline is null ? null : GenerationResult.Median(baseSamples),
            BaselineLatencySamples = baseline is null ? null : baseSamples.ToArray(),
            Speedup = baseline is null ? null : GenerationResult.Median(baseSamples) / latency,
            Psnr = quality?.Psnr,
            Ssim = quality?.Ssim,
            Identical = quality?.Identical,
            RelativeStepTime = relative,
        };
        return new JanoResult(result, baseline, frames, baseFrames, levelMap, report, Info.Fps);
    }

    /// <summary>Frees the weights (waits for a running call to finish).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _gate.Wait();
        try
        {
            if (_disposed) return;
            _disposed = true;
            _backend.Dispose();
        }
        finally
        {
            _gate.Release();
        }
        _gate.Dispose();
    }
}
