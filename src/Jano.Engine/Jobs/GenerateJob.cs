using System.Globalization;
using System.Text.Json;
using Jano.Core.Acceleration;
using Jano.Core.IO;
using Jano.Core.Metrics;
using Jano.Engine.Catalog;
using Jano.Engine.Output;
using Jano.Engine.Pipelines;

namespace Jano.Engine.Jobs;

/// <summary>
/// <c>jano generate</c> on any catalog model or checkpoint folder: resolves the model, validates everything (options,
/// request, accelerator, output folder) before any compute, then encodes the condition once, runs the generation (and
/// with <c>Compare</c> one untimed warm-up and alternating full/accelerated runs), decodes, writes the outputs atomically
/// and returns the report.
/// </summary>
public sealed class GenerateJob : IDisposable
{
    private readonly GenerateOptions _o;
    private readonly IDiffusionPipeline _pipeline;
    private readonly IAccelerator _accel;
    private readonly GenerationSettings _settings;
    private readonly int _threads;

    private GenerateJob(GenerateOptions o, ModelEntry entry, IDiffusionPipeline pipeline, IAccelerator accel, GenerationSettings settings, int threads)
    {
        _o = o;
        Entry = entry;
        _pipeline = pipeline;
        _accel = accel;
        _settings = settings;
        _threads = threads;
    }

    /// <summary>The resolved model (a catalog entry, or the entry of a checkpoint folder).</summary>
    public ModelEntry Entry { get; }

    public IDiffusionPipeline Pipeline => _pipeline;

    public IAccelerator Accelerator => _accel;

    /// <summary>The checked settings every run of this job uses.</summary>
    public GenerationSettings Settings => _settings;

    /// <summary>Model name in the report: the catalog name, or the matching entry of a checkpoint folder.</summary>
    public string ModelName => Entry.Name;

    /// <summary>Where the weights come from (a path or "random (seed N)").</summary>
    public string WeightsSource => _pipeline.WeightsSource;

    /// <summary>Frames per second of written videos.</summary>
    public int Fps => _pipeline.Defaults.Fps;

    /// <summary>Checks and loads; bad input is an <see cref="ArgumentException"/> (usage error), an incomplete checkpoint
    /// folder an <see cref="InvalidDataException"/>, both before any compute.</summary>
    public static GenerateJob Prepare(GenerateOptions o, ModelCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(catalog);
        var entry = catalog.Resolve(o.Model);
        var device = RuntimeSettings.ParseDevice(o.Device);
        TorchSharp.torch.ScalarType? dtype = o.DType is null ? null : RuntimeSettings.ParseDType(o.DType);
        if (o.Repeats < 1) throw new ArgumentException($"--repeats ({o.Repeats}) must be at least 1");
        var accel = AcceleratorCatalog.Create(o.Accel, entry, o.AccelOptions, entry.LoadCalibration());
        var pipeline = entry.CreatePipeline(new LoadOptions(device, dtype));
        try
        {
            var settings = pipeline.Resolve(o.ToRequest());
            pipeline.CheckAccelerator(settings, accel);
            RuntimeSettings.EnsureWritableDirectory(o.OutDir);
            int threads = RuntimeSettings.ApplyThreads(o.Threads);
            return new GenerateJob(o, entry, pipeline, accel, settings, threads);
        }
        catch
        {
            pipeline.Dispose();
            throw;
        }
    }

    /// <summary>Runs and writes outputs. <paramref name="progress"/> gets every stage and step; denoising runs are labelled
    /// <c>warm-up</c>, <c>full R/N</c> and <c>ACCEL R/N</c>.</summary>
    public GenerationReport Run(IProgress<GenerationProgress>? progress = null, CancellationToken cancel = default)
    {
        var none = new NoAccelerator();
        GenerationResult? baseline = null, accelerated = null;
        TorchSharp.torch.Tensor? video = null, baseVideo = null;
        var baseSamples = new List<double>();
        var accelSamples = new List<double>();
        using var condition = _pipeline.EncodeCondition(_settings, progress, cancel);
        try
        {
            if (_o.Compare)
            {
                using (_pipeline.Denoise(_settings with { Steps = Math.Min(3, _settings.Steps) }, condition, none,
                           LabelledProgress.For(progress, "warm-up"), cancel: cancel)) { }
            }
            for (int r = 0; r < _o.Repeats; r++)
            {
                string of = string.Create(CultureInfo.InvariantCulture, $"{r + 1}/{_o.Repeats}");
                if (_o.Compare)
                {
                    var b = _pipeline.Denoise(_settings, condition, none, LabelledProgress.For(progress, "full " + of), cancel: cancel);
                    baseSamples.Add(b.LatencySeconds);
                    if (baseline is null) baseline = b; else b.Dispose();
                }
                var a = _pipeline.Denoise(_settings, condition, _accel, LabelledProgress.For(progress, $"{_accel.Name} {of}"), cancel: cancel);
                accelSamples.Add(a.LatencySeconds);
                if (accelerated is null) accelerated = a; else a.Dispose();
            }
            video = _pipeline.Decode(accelerated!.Latent, progress);
            if (baseline is not null) baseVideo = _pipeline.Decode(baseline.Latent, progress);
            return Write(accelerated, baseline, video, baseVideo, accelSamples, baseSamples);
        }
        finally
        {
            video?.Dispose();
            baseVideo?.Dispose();
            baseline?.Dispose();
            accelerated?.Dispose();
        }
    }

    // video / baseVideo: the decoded clips [C, F, H, W] in [-1, 1].
    private GenerationReport Write(GenerationResult result, GenerationResult? baseline, TorchSharp.torch.Tensor video,
        TorchSharp.torch.Tensor? baseVideo, List<double> samples, List<double> baseSamples)
    {
        var files = new List<string>();
        var frames = FrameConverter.ToFrames(video);
        WriteVisual("output", frames, files);
        IReadOnlyList<Frame8>? baseFrames = null;
        if (baseVideo is not null)
        {
            baseFrames = FrameConverter.ToFrames(baseVideo);
            WriteVisual("baseline", baseFrames, files);
        }
        var rep = result.Accelerator;
        if (_pipeline.PixelsPerToken is { } pixels && rep.TokenLevels is { } levels && rep.TokenGrid is { } grid)
        {
            var map = LevelMapRenderer.Render(frames, levels, grid, pixels, scale: 8);
            var path = Path.Combine(_o.OutDir, "levels.png");
            PngWriter.Write(path, LevelMapRenderer.Montage(map, columns: Math.Min(8, map.Count)));
            files.Add("levels.png");
        }

        QualityResult? quality = null;
        if (baseFrames is not null) quality = ImageQuality.Compare(FrameConverter.ToRgb(frames), FrameConverter.ToRgb(baseFrames));

        double latency = GenerationResult.Median(samples);
        Dictionary<string, double>? relative = null;
        if (baseline is not null && baseline.MedianStepSeconds.TryGetValue("full", out var fullStep) && fullStep > 0)
            relative = result.MedianStepSeconds.ToDictionary(kv => kv.Key, kv => kv.Value / fullStep);
        var report = new GenerationReport
        {
            Model = ModelName,
            Weights = WeightsSource,
            Prompt = _settings.Prompt,
            Accel = _accel.Name,
            Options = _accel.Options.ToDictionary(kv => kv.Key, kv => kv.Value),
            Steps = _settings.Steps,
            Seed = _settings.Seed,
            Guidance = _settings.Guidance,
            Shift = _settings.Shift,
            Size = $"{video.shape[3]}x{video.shape[2]}",
            Frames = (int)video.shape[1],
            Threads = _threads,
            Device = _pipeline.Device.type.ToString().ToLowerInvariant(),
            DType = RuntimeSettings.DTypeName(_pipeline.DType),
            Sampler = _settings.Sampler,
            Version = RuntimeSettings.Version,
            Repeats = _o.Repeats,
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
            Files = files,
        };
        report.Files.Add("report.json");
        AtomicFile.WriteAllText(Path.Combine(_o.OutDir, "report.json"), JsonSerializer.Serialize(report, ReportJson.Options));
        return report;
    }

    private void WriteVisual(string stem, IReadOnlyList<Frame8> frames, List<string> files)
    {
        if (frames.Count == 1)
        {
            PngWriter.Write(Path.Combine(_o.OutDir, stem + ".png"), frames[0]);
            files.Add(stem + ".png");
            return;
        }
        var dir = Path.Combine(_o.OutDir, stem + "_frames");
        Directory.CreateDirectory(dir);
        for (int i = 0; i < frames.Count; i++)
        {
            var name = $"frame_{i:D3}.png";
            PngWriter.Write(Path.Combine(dir, name), frames[i]);
            files.Add($"{stem}_frames/{name}");
        }
        PngWriter.Write(Path.Combine(_o.OutDir, stem + ".png"), LevelMapRenderer.Montage(frames, columns: Math.Min(8, frames.Count)));
        files.Add(stem + ".png");
        if (VideoWriter.FfmpegAvailable)
        {
            VideoWriter.WriteGif(Path.Combine(_o.OutDir, stem + ".gif"), frames, Fps, upscale: 4);
            VideoWriter.WriteMp4(Path.Combine(_o.OutDir, stem + ".mp4"), frames, Fps, upscale: 8);
            files.Add(stem + ".gif");
            files.Add(stem + ".mp4");
        }
    }

    public void Dispose() => _pipeline.Dispose();
}
