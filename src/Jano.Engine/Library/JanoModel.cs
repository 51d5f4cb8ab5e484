using System.Diagnostics;
using Jano.Core;
using Jano.Core.Acceleration;
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
    private readonly ModelEntry _entry;
    private readonly IDiffusionPipeline _pipeline;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _disposed;

    private JanoModel(ModelEntry entry, IDiffusionPipeline pipeline)
    {
        _entry = entry;
        _pipeline = pipeline;
        var d = pipeline.Defaults;
        Info = new JanoModelInfo
        {
            Name = entry.Name,
            Description = entry.Description,
            Width = d.Width,
            Height = d.Height,
            Frames = d.Frames,
            Steps = d.Steps,
            Guidance = d.Guidance,
            Shift = d.Shift,
            Fps = d.Fps,
            JanoPreset = entry.JanoPreset,
            Prompts = entry.ClassNames,
            HasWeights = entry.HasWeights,
        };
    }

    /// <summary>The catalog's default model (<c>scenes-video</c>).</summary>
    public const string DefaultModel = ModelCatalog.DefaultModel;

    /// <summary>Loads a catalog model by name (<see cref="CatalogNames"/>), or a Wan2.1-T2V checkpoint folder (official or
    /// Diffusers layout, checked like <c>jano inspect</c>; its DiT loads on the first call and stays loaded).</summary>
    /// <exception cref="Jano.Core.UsageException">Unknown model name, device or dtype (one line naming it).</exception>
    /// <exception cref="InvalidDataException">An incomplete checkpoint folder, or unreadable weights.</exception>
    public static JanoModel Load(string nameOrFolder, JanoLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrFolder);
        options ??= new JanoLoadOptions();
        var device = RuntimeSettings.ParseDevice(options.Device);
        TorchSharp.torch.ScalarType? dtype = options.DType is null ? null : RuntimeSettings.ParseDType(options.DType);
        RuntimeSettings.ApplyThreads(options.Threads);
        var entry = new ModelCatalog(ResolveAssets(options)).Resolve(nameOrFolder);
        return new JanoModel(entry, entry.CreatePipeline(new LoadOptions(device, dtype)));
    }

    /// <summary><see cref="Load"/> off the calling thread.</summary>
    public static Task<JanoModel> LoadAsync(string nameOrFolder, JanoLoadOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Load(nameOrFolder, options), cancellationToken);

    /// <summary>The catalog's model names (the Wan2.1 entries describe released models: load them with
    /// <c>Load(folder)</c> on a checkpoint folder, their weights are not shipped).</summary>
    public static IReadOnlyList<string> CatalogNames => ModelCatalog.Entries.Select(s => s.Name).ToArray();

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
    public JanoModelInfo Info { get; }

    /// <summary>Model name (as in <c>report.json</c>).</summary>
    public string Name => Info.Name;

    /// <summary>Where the weights came from: a path, or "random (seed N)" when a catalog model has no weights.</summary>
    public string WeightsSource => _pipeline.WeightsSource;

    /// <summary>Device the model runs on (<c>cpu</c>, <c>cuda</c>).</summary>
    public string Device => _pipeline.Device.type.ToString().ToLowerInvariant();

    /// <summary>Dtype of the weights (<c>float32</c>, <c>bfloat16</c>).</summary>
    public string DType => RuntimeSettings.DTypeName(_pipeline.DType);

    /// <summary>The options accelerator <paramref name="accelerator"/> resolves to on this model: its defaults, the model's
    /// Jano preset and calibration, then <paramref name="options"/> (<c>k=v,...</c>), in the method's order.</summary>
    /// <exception cref="Jano.Core.UsageException">Unknown accelerator, or an invalid option (one line naming it).</exception>
    public IReadOnlyList<KeyValuePair<string, string>> AcceleratorOptions(string accelerator, string? options = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return AcceleratorCatalog.Create(accelerator, _entry, options, _entry.LoadCalibration()).Options;
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
    /// <exception cref="Jano.Core.UsageException">Bad input (unknown prompt or accelerator, invalid option, size, steps...).</exception>
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
        if (string.IsNullOrWhiteSpace(r.Prompt)) throw new UsageException("prompt is empty");
        if ((r.Width is null) != (r.Height is null)) throw new UsageException("give both width and height, or neither");
        Engine.Limits.GenerationLimits.CheckRequest(r.Steps, r.Width is { } w && r.Height is { } h ? (w, h) : null, r.Frames, r.Repeats, r.Prompt, r.NegativePrompt);
        var accel = AcceleratorCatalog.Create(r.Accelerator, _entry, r.AcceleratorOptions, _entry.LoadCalibration());
        var settings = _pipeline.Resolve(new GenerationRequest
        {
            Prompt = r.Prompt,
            NegativePrompt = r.NegativePrompt,
            Steps = r.Steps,
            Seed = r.Seed,
            Guidance = r.Guidance,
            Shift = r.Shift,
            Sampler = r.Sampler,
            Width = r.Width,
            Height = r.Height,
            Frames = r.Frames,
            BatchBranches = r.BatchBranches,
            PreviewEvery = r.PreviewEvery,
        });
        _pipeline.CheckAccelerator(settings, accel);
        var forward = progress is null ? null : new Progress(progress, clock, _pipeline.PixelsPerToken);
        var outcome = ComparedGeneration.Run(_pipeline, Name, settings, accel, r.Compare, r.Repeats, TorchSharp.torch.get_num_threads(), forward, cancel);
        outcome.Release();
        return new JanoResult(outcome.Result, outcome.Baseline, outcome.Frames, outcome.BaselineFrames, outcome.LevelMap, outcome.Report, Info.Fps);
    }

    // The engine's progress as the library's: the run label (or the stage) as the phase, time since the call started.
    // A denoising run's first report is preceded by one at step 0, so every phase starts with a report.
    private sealed class Progress(IProgress<JanoProgress> inner, Stopwatch clock, (int T, int H, int W)? pixelsPerToken) : IProgress<GenerationProgress>
    {
        private string? _run;

        public void Report(GenerationProgress value)
        {
            bool denoise = value.Stage == GenerationStage.Denoise;
            string phase = denoise ? value.Run : value.Stage.ToString().ToLowerInvariant();
            if (denoise && value.Step > 0 && !string.Equals(_run, phase, StringComparison.Ordinal))
                inner.Report(new JanoProgress(phase, 0, value.Steps, null, null, clock.Elapsed));
            _run = denoise ? phase : null;
            bool started = denoise && value.Step > 0;
            inner.Report(new JanoProgress(phase, value.Step, denoise ? value.Steps : 1, started ? value.Level : null,
                started ? value.TokensComputed : null, clock.Elapsed)
            {
                StepPhase = started && value.Phase.Length > 0 ? value.Phase : null,
                LevelMap = LiveLevelMap(value),
                Preview = value.Preview,
            });
        }

        // The analysed levels over mid-grey frames (the output does not exist yet), 2x enlarged.
        private Frame8? LiveLevelMap(GenerationProgress value)
        {
            if (value.TokenLevels is not { } levels || value.TokenGrid is not { } grid || pixelsPerToken is not { } ppt) return null;
            int w = grid.W * ppt.W, h = grid.H * ppt.H;
            var grey = new Frame8(w, h, Enumerable.Repeat((byte)128, w * h * 3).ToArray());
            var frames = LevelMapRenderer.Render(Enumerable.Repeat(grey, grid.T * ppt.T).ToArray(), levels, grid, ppt, scale: 2);
            return LevelMapRenderer.Montage(frames, columns: Math.Min(8, frames.Count));
        }
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
            _pipeline.Dispose();
        }
        finally
        {
            _gate.Release();
        }
        _gate.Dispose();
    }
}
