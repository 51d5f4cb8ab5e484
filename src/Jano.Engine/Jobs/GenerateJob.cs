using System.Text.Json;
using Jano.Core.Acceleration;
using Jano.Core.IO;
using Jano.Core.Metrics;
using Jano.Engine.Catalog;
using Jano.Engine.Output;
using Jano.Engine.Pipelines;
using TorchSharp;

namespace Jano.Engine.Jobs;

/// <summary>
/// <c>jano generate</c>: validates everything (model, prompt, options, output folder) before any compute, then runs
/// the generation (and with <c>Compare</c> one untimed warm-up and alternating full/accelerated runs), writes the
/// outputs atomically and returns the report.
/// </summary>
public sealed class GenerateJob : IDisposable
{
    private readonly GenerateOptions _o;
    private readonly LoadedModel? _loaded;
    private readonly WanPipeline? _wan;
    private readonly string _sampler;
    private readonly IAccelerator _accel;
    private readonly GenerationRequest _request;
    private readonly int _threads;

    private GenerateJob(GenerateOptions o, LoadedModel? loaded, WanPipeline? wan, string modelName, string weightsSource, int fps,
        string sampler, IAccelerator accel, GenerationRequest request, int threads)
    {
        _o = o;
        _loaded = loaded;
        _wan = wan;
        ModelName = modelName;
        WeightsSource = weightsSource;
        Fps = fps;
        _sampler = sampler;
        _accel = accel;
        _request = request;
        _threads = threads;
    }

    public IAccelerator Accelerator => _accel;

    public GenerationRequest Request => _request;

    /// <summary>The catalog model (null for a Wan checkpoint folder).</summary>
    public LoadedModel? Loaded => _loaded;

    /// <summary>Model name in the report: the catalog name, or the matching Wan entry for a checkpoint folder.</summary>
    public string ModelName { get; }

    /// <summary>Where the weights come from (a path or "random (seed N)").</summary>
    public string WeightsSource { get; }

    /// <summary>Frames per second of written videos.</summary>
    public int Fps { get; }

    /// <summary>The sampler in use: <c>euler</c> or <c>unipc</c>.</summary>
    public string Sampler => _sampler;

    /// <summary>Checks and loads; throws <see cref="ArgumentException"/> for bad input (usage errors).</summary>
    public static GenerateJob Prepare(GenerateOptions o, ModelCatalog catalog)
    {
        if (Directory.Exists(o.Model)) return PrepareWan(o);
        if (o.Sampler is not null && o.Sampler != "euler")
            throw new ArgumentException($"--sampler {o.Sampler} needs a Wan2.1 checkpoint folder (--model PATH); '{o.Model}' samples with euler");
        var spec = ModelCatalog.Find(o.Model);
        var device = RuntimeSettings.ParseDevice(o.Device);
        var dtype = RuntimeSettings.ParseDType(o.DType ?? "float32");
        if (o.Repeats < 1) throw new ArgumentException($"--repeats ({o.Repeats}) must be at least 1");
        if (o.Steps is < 1) throw new ArgumentException($"--steps ({o.Steps}) must be at least 1");
        if (o.Guidance is { } g && !(g >= 1.0)) throw new ArgumentException($"--guidance ({g}) must be at least 1");
        if (o.Shift is { } s && !(s > 0)) throw new ArgumentException($"--shift ({s}) must be positive");
        var shape = (long[])spec.LatentShape.Clone();
        if (o.Size is { } size)
        {
            if (size.W < 1 || size.H < 1) throw new ArgumentException("--size must be WxH with positive integers");
            shape[2] = size.H;
            shape[3] = size.W;
        }
        if (o.Frames is { } frames)
        {
            if (frames < 1) throw new ArgumentException($"--frames ({frames}) must be at least 1");
            shape[1] = frames;
        }
        var p = spec.Config.Patch;
        if (shape[1] % p[0] != 0 || shape[2] % p[1] != 0 || shape[3] % p[2] != 0)
            throw new ArgumentException($"size {shape[3]}x{shape[2]} with {shape[1]} frames is not a multiple of the model's patch ({p[0]}x{p[1]}x{p[2]})");
        var accel = AcceleratorCatalog.Create(o.Accel, spec, o.AccelOptions, catalog.Calibration(spec));
        var request = new GenerationRequest
        {
            Prompt = o.Prompt,
            NegativePrompt = o.NegativePrompt,
            Steps = o.Steps ?? spec.Steps,
            Seed = o.Seed,
            Guidance = o.Guidance ?? spec.Guidance,
            Shift = o.Shift ?? spec.Shift,
            LatentShape = shape,
            BatchBranches = o.BatchBranches,
        };
        RuntimeSettings.EnsureWritableDirectory(o.OutDir);
        int threads = RuntimeSettings.ApplyThreads(o.Threads);
        var loaded = catalog.Load(spec, new LoadOptions(device, dtype));
        try
        {
            // Validate the accelerator against this model and run before any compute.
            var descriptor = loaded.Model.Describe(shape);
            accel.Validate(descriptor, request.Steps, request.Guidance != 1.0 ? [GuidanceBranch.Cond, GuidanceBranch.Uncond] : [GuidanceBranch.Cond]);
            loaded.Encoder.Encode(request.Prompt).Dispose();
            if (request.NegativePrompt is not null) loaded.Encoder.EncodeUnconditional(request.NegativePrompt).Dispose();
            return new GenerateJob(o, loaded, null, spec.Name, loaded.WeightsSource, spec.Fps, "euler", accel, request, threads);
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    // A Wan2.1 checkpoint folder: the one-line inspect message (exit 1) when incomplete, all options checked before any compute.
    private static GenerateJob PrepareWan(GenerateOptions o)
    {
        var inspect = InspectJob.Run(o.Model);
        if (!inspect.Complete) throw new InvalidDataException(inspect.Summary);
        var placeholders = inspect.Items.Where(i => i.Status == "placeholder").Select(i => i.Name).ToList();
        if (placeholders.Count > 0)
            throw new InvalidDataException($"{inspect.Folder}: incomplete {inspect.Layout} checkpoint: placeholder {string.Join(", ", placeholders)}");
        var device = RuntimeSettings.ParseDevice(o.Device);
        var dtype = RuntimeSettings.ParseDType(o.DType ?? "bfloat16");
        string sampler = (o.Sampler ?? "unipc").ToLowerInvariant();
        if (sampler is not ("unipc" or "euler")) throw new ArgumentException($"unknown sampler '{o.Sampler}'; available: unipc, euler");
        if (o.Repeats < 1) throw new ArgumentException($"--repeats ({o.Repeats}) must be at least 1");
        if (o.Steps is < 1) throw new ArgumentException($"--steps ({o.Steps}) must be at least 1");
        if (o.Guidance is { } g && !(g >= 1.0)) throw new ArgumentException($"--guidance ({g}) must be at least 1");
        if (o.Shift is { } s && !(s > 0)) throw new ArgumentException($"--shift ({s}) must be positive");
        var wan = new WanPipeline(o.Model, device, dtype);
        try
        {
            var entry = ModelCatalog.FindWan(wan.Config) ?? ModelCatalog.WanSpecs[0] with { Name = "wan2.1-t2v (custom)", Config = wan.Config };
            var (w, h) = o.Size ?? (entry.Width, entry.Height);
            var shape = WanPipeline.LatentShape(wan.Config, w, h, o.Frames ?? entry.Frames);
            var accel = AcceleratorCatalog.Create(o.Accel, entry.JanoPreset, o.AccelOptions);
            var request = new GenerationRequest
            {
                Prompt = o.Prompt,
                NegativePrompt = o.NegativePrompt ?? WanPipeline.DefaultNegativePrompt,
                Steps = o.Steps ?? entry.Steps,
                Seed = o.Seed,
                Guidance = o.Guidance ?? entry.Guidance,
                Shift = o.Shift ?? entry.Shift,
                LatentShape = shape,
                BatchBranches = false,
            };
            using (var meta = new Jano.Models.Wan.WanModel(wan.Config, TorchSharp.torch.META))
                accel.Validate(meta.Describe(shape), request.Steps, request.Guidance != 1.0 ? [GuidanceBranch.Cond, GuidanceBranch.Uncond] : [GuidanceBranch.Cond]);
            RuntimeSettings.EnsureWritableDirectory(o.OutDir);
            int threads = RuntimeSettings.ApplyThreads(o.Threads);
            return new GenerateJob(o, null, wan, entry.Name, inspect.Folder, entry.Fps, sampler, accel, request, threads);
        }
        catch
        {
            wan.Dispose();
            throw;
        }
    }

    /// <summary>Runs and writes outputs. <paramref name="onProgress"/> gets (phase, step, steps).</summary>
    public GenerationReport Run(Action<string, int, int>? onProgress = null, CancellationToken cancel = default)
    {
        if (_wan is not null) return RunWan(_wan, onProgress, cancel);
        var pipeline = _loaded!.Pipeline;
        var none = new NoAccelerator();
        GenerationResult? baseline = null, accelerated = null;
        var baseSamples = new List<double>();
        var accelSamples = new List<double>();
        try
        {
            if (_o.Compare)
            {
                onProgress?.Invoke("warm-up", 0, 3);
                using (pipeline.Generate(_request with { Steps = Math.Min(3, _request.Steps) }, none, (i, n) => onProgress?.Invoke("warm-up", i, n), cancel: cancel)) { }
            }
            for (int r = 0; r < _o.Repeats; r++)
            {
                if (_o.Compare)
                {
                    var b = pipeline.Generate(_request, none, (i, n) => onProgress?.Invoke($"full {r + 1}/{_o.Repeats}", i, n), cancel: cancel);
                    baseSamples.Add(b.LatencySeconds);
                    if (baseline is null) baseline = b; else b.Dispose();
                }
                var a = pipeline.Generate(_request, _accel, (i, n) => onProgress?.Invoke($"{_accel.Name} {r + 1}/{_o.Repeats}", i, n), cancel: cancel);
                accelSamples.Add(a.LatencySeconds);
                if (accelerated is null) accelerated = a; else a.Dispose();
            }
            return Write(accelerated!, baseline, accelerated!.Latent, baseline?.Latent, accelSamples, baseSamples);
        }
        finally
        {
            baseline?.Dispose();
            accelerated?.Dispose();
        }
    }

    // Wan: encode both prompts and free the encoder, then load the DiT, denoise, decode with the VAE.
    private GenerationReport RunWan(WanPipeline wan, Action<string, int, int>? onProgress, CancellationToken cancel)
    {
        onProgress?.Invoke("encode", 0, 1);
        var (cond, uncond) = wan.EncodePrompts(_request.Prompt, _request.NegativePrompt ?? WanPipeline.DefaultNegativePrompt);
        GenerationResult? baseline = null, accelerated = null;
        TorchSharp.torch.Tensor? video = null, baseVideo = null;
        var baseSamples = new List<double>();
        var accelSamples = new List<double>();
        var none = new NoAccelerator();
        try
        {
            onProgress?.Invoke("load", 0, 1);
            wan.LoadTransformer();
            if (_o.Compare)
            {
                using (wan.Generate(_request with { Steps = Math.Min(3, _request.Steps) }, cond, uncond, _sampler, none,
                           (i, n) => onProgress?.Invoke("warm-up", i, n), cancel)) { }
            }
            for (int r = 0; r < _o.Repeats; r++)
            {
                if (_o.Compare)
                {
                    var b = wan.Generate(_request, cond, uncond, _sampler, none, (i, n) => onProgress?.Invoke($"full {r + 1}/{_o.Repeats}", i, n), cancel);
                    baseSamples.Add(b.LatencySeconds);
                    if (baseline is null) baseline = b; else b.Dispose();
                }
                var a = wan.Generate(_request, cond, uncond, _sampler, _accel, (i, n) => onProgress?.Invoke($"{_accel.Name} {r + 1}/{_o.Repeats}", i, n), cancel);
                accelSamples.Add(a.LatencySeconds);
                if (accelerated is null) accelerated = a; else a.Dispose();
            }
            onProgress?.Invoke("decode", 0, 1);
            video = wan.Decode(accelerated!.Latent);
            if (baseline is not null) baseVideo = wan.Decode(baseline.Latent);
            return Write(accelerated, baseline, video, baseVideo, accelSamples, baseSamples);
        }
        finally
        {
            cond.Dispose();
            uncond.Dispose();
            video?.Dispose();
            baseVideo?.Dispose();
            baseline?.Dispose();
            accelerated?.Dispose();
        }
    }

    // video / baseVideo: the clips [C, F, H, W] in [-1, 1] (the latent itself for the pixel-space catalog models).
    private GenerationReport Write(GenerationResult result, GenerationResult? baseline, TorchSharp.torch.Tensor video,
        TorchSharp.torch.Tensor? baseVideo, List<double> samples, List<double> baseSamples)
    {
        var shape = _request.LatentShape;
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
        if (_loaded is { } loaded && rep.TokenLevels is { } levels && rep.TokenGrid is { } grid)
        {
            var map = LevelMapRenderer.Render(frames, levels, grid, loaded.Spec.Config.PatchSize, scale: 8);
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
            Prompt = _request.Prompt,
            Accel = _accel.Name,
            Options = _accel.Options.ToDictionary(kv => kv.Key, kv => kv.Value),
            Steps = _request.Steps,
            Seed = _request.Seed,
            Guidance = _request.Guidance,
            Shift = _request.Shift,
            Size = $"{video.shape[3]}x{video.shape[2]}",
            Frames = (int)video.shape[1],
            Threads = _threads,
            Device = (_loaded?.Model.Device ?? _wan!.Device).type.ToString().ToLowerInvariant(),
            DType = RuntimeSettings.DTypeName(_loaded?.Model.DType ?? _wan!.DType),
            Sampler = _sampler,
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

    public void Dispose()
    {
        _loaded?.Dispose();
        _wan?.Dispose();
    }
}
