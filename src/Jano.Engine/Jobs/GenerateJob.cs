using System.Globalization;
using System.Text.Json;
using Jano.Core;
using Jano.Core.Acceleration;
using Jano.Core.IO;
using Jano.Core.Metrics;
using Jano.Engine.Catalog;
using Jano.Engine.Limits;
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
        GenerationLimits.CheckRequest(o.Steps, o.Size, o.Frames, o.Repeats, o.Prompt, o.NegativePrompt);
        var entry = catalog.Resolve(o.Model);
        var device = RuntimeSettings.ParseDevice(o.Device);
        TorchSharp.torch.ScalarType? dtype = o.DType is null ? null : RuntimeSettings.ParseDType(o.DType);
        if (o.Repeats < 1) throw new UsageException($"--repeats ({o.Repeats}) must be at least 1");
        var accel = AcceleratorCatalog.Create(o.Accel, entry, o.AccelOptions, entry.LoadCalibration());
        var pipeline = entry.CreatePipeline(new LoadOptions(device, dtype));
        try
        {
            var settings = pipeline.Resolve(o.ToRequest());
            CheckResources(entry, pipeline, settings, o.MaxMemoryGiB);
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

    // The memory the run would need against the machine (or --max-memory), per model family, before any compute.
    private static void CheckResources(ModelEntry entry, IDiffusionPipeline pipeline, GenerationSettings settings, double? maxMemoryGiB)
    {
        switch (pipeline)
        {
            case Pipelines.Dit.DitPipeline dit:
                GenerationLimits.CheckDit(entry.Name, dit.Model.Config, settings.LatentShape, settings.Guidance, pipeline.DType, maxMemoryGiB);
                break;
            case Pipelines.Wan.WanPipeline wan:
                GenerationLimits.CheckWan(entry.Name, wan.Config, settings.LatentShape, pipeline.DType, maxMemoryGiB);
                GenerationLimits.CheckWanFiles(wan, pipeline.DType, maxMemoryGiB);
                break;
            case Pipelines.Flux.FluxPipeline flux:
                GenerationLimits.CheckFlux(entry.Name, flux, settings.LatentShape, pipeline.DType, maxMemoryGiB);
                break;
        }
    }

    /// <summary>Runs and writes outputs. <paramref name="progress"/> gets every stage and step; denoising runs are labelled
    /// <c>warm-up</c>, <c>full R/N</c> and <c>ACCEL R/N</c>.</summary>
    public GenerationReport Run(IProgress<GenerationProgress>? progress = null, CancellationToken cancel = default)
    {
        using var outcome = ComparedGeneration.Run(_pipeline, ModelName, _settings, _accel, _o.Compare, _o.Repeats, _threads, progress, cancel);
        var files = new List<string>();
        WriteVisual("output", outcome.Frames, files);
        if (outcome.BaselineFrames is { } baseFrames) WriteVisual("baseline", baseFrames, files);
        if (outcome.LevelMap is { } map)
        {
            PngWriter.Write(Path.Combine(_o.OutDir, "levels.png"), LevelMapRenderer.Montage(map, columns: Math.Min(8, map.Count)));
            files.Add("levels.png");
        }
        var report = outcome.Report;
        report.Files.AddRange(files);
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
