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
    private readonly LoadedModel _loaded;
    private readonly IAccelerator _accel;
    private readonly GenerationRequest _request;
    private readonly int _threads;

    private GenerateJob(GenerateOptions o, LoadedModel loaded, IAccelerator accel, GenerationRequest request, int threads)
    {
        _o = o;
        _loaded = loaded;
        _accel = accel;
        _request = request;
        _threads = threads;
    }

    public IAccelerator Accelerator => _accel;

    public GenerationRequest Request => _request;

    public LoadedModel Loaded => _loaded;

    /// <summary>Checks and loads; throws <see cref="ArgumentException"/> for bad input (usage errors).</summary>
    public static GenerateJob Prepare(GenerateOptions o, ModelCatalog catalog)
    {
        var spec = ModelCatalog.Find(o.Model);
        var device = RuntimeSettings.ParseDevice(o.Device);
        var dtype = RuntimeSettings.ParseDType(o.DType);
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
        var accel = AcceleratorCatalog.Create(o.Accel, spec, o.AccelOptions);
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
            using (var noise = TorchSharp.torch.zeros(shape))
            using (accel.Begin(descriptor, new GenerationPlan(request.Steps, new double[request.Steps + 1],
                       request.Guidance != 1.0 ? [GuidanceBranch.Cond, GuidanceBranch.Uncond] : [GuidanceBranch.Cond], noise)))
            {
            }
            loaded.Encoder.Encode(request.Prompt).Dispose();
            if (request.NegativePrompt is not null) loaded.Encoder.EncodeUnconditional(request.NegativePrompt).Dispose();
            return new GenerateJob(o, loaded, accel, request, threads);
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    /// <summary>Runs and writes outputs. <paramref name="onProgress"/> gets (phase, step, steps).</summary>
    public GenerationReport Run(Action<string, int, int>? onProgress = null, CancellationToken cancel = default)
    {
        var pipeline = _loaded.Pipeline;
        var none = new NoAccelerator();
        GenerationResult? baseline = null, accelerated = null;
        var baseSamples = new List<double>();
        var accelSamples = new List<double>();
        try
        {
            if (_o.Compare)
            {
                onProgress?.Invoke("warm-up", 0, 3);
                using (pipeline.Generate(_request with { Steps = Math.Min(3, _request.Steps) }, none, (i, n) => onProgress?.Invoke("warm-up", i, n), cancel)) { }
            }
            for (int r = 0; r < _o.Repeats; r++)
            {
                if (_o.Compare)
                {
                    var b = pipeline.Generate(_request, none, (i, n) => onProgress?.Invoke($"full {r + 1}/{_o.Repeats}", i, n), cancel);
                    baseSamples.Add(b.LatencySeconds);
                    if (baseline is null) baseline = b; else b.Dispose();
                }
                var a = pipeline.Generate(_request, _accel, (i, n) => onProgress?.Invoke($"{_accel.Name} {r + 1}/{_o.Repeats}", i, n), cancel);
                accelSamples.Add(a.LatencySeconds);
                if (accelerated is null) accelerated = a; else a.Dispose();
            }
            return Write(accelerated!, baseline, accelSamples, baseSamples);
        }
        finally
        {
            baseline?.Dispose();
            accelerated?.Dispose();
        }
    }

    private GenerationReport Write(GenerationResult result, GenerationResult? baseline, List<double> samples, List<double> baseSamples)
    {
        var spec = _loaded.Spec;
        var shape = _request.LatentShape;
        var files = new List<string>();
        var frames = FrameConverter.ToFrames(result.Latent);
        WriteVisual("output", frames, files);
        IReadOnlyList<Frame8>? baseFrames = null;
        if (baseline is not null)
        {
            baseFrames = FrameConverter.ToFrames(baseline.Latent);
            WriteVisual("baseline", baseFrames, files);
        }
        var rep = result.Accelerator;
        if (rep.TokenLevels is { } levels && rep.TokenGrid is { } grid)
        {
            var map = LevelMapRenderer.Render(frames, levels, grid, spec.Config.PatchSize, scale: 8);
            var path = Path.Combine(_o.OutDir, "levels.png");
            PngWriter.Write(path, LevelMapRenderer.Montage(map, columns: Math.Min(8, map.Count)));
            files.Add("levels.png");
        }

        QualityResult? quality = null;
        if (baseFrames is not null) quality = ImageQuality.Compare(ToRgb(frames), ToRgb(baseFrames));

        double latency = GenerationResult.Median(samples);
        Dictionary<string, double>? relative = null;
        if (baseline is not null && baseline.MedianStepSeconds.TryGetValue("full", out var fullStep) && fullStep > 0)
            relative = result.MedianStepSeconds.ToDictionary(kv => kv.Key, kv => kv.Value / fullStep);
        var report = new GenerationReport
        {
            Model = spec.Name,
            Weights = _loaded.WeightsSource,
            Prompt = _request.Prompt,
            Accel = _accel.Name,
            Options = _accel.Options.ToDictionary(kv => kv.Key, kv => kv.Value),
            Steps = _request.Steps,
            Seed = _request.Seed,
            Guidance = _request.Guidance,
            Shift = _request.Shift,
            Size = $"{shape[3]}x{shape[2]}",
            Frames = (int)shape[1],
            Threads = _threads,
            Device = _loaded.Model.Device.type.ToString().ToLowerInvariant(),
            DType = RuntimeSettings.DTypeName(_loaded.Model.DType),
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
            VideoWriter.WriteGif(Path.Combine(_o.OutDir, stem + ".gif"), frames, _loaded.Spec.Fps, upscale: 4);
            VideoWriter.WriteMp4(Path.Combine(_o.OutDir, stem + ".mp4"), frames, _loaded.Spec.Fps, upscale: 8);
            files.Add(stem + ".gif");
            files.Add(stem + ".mp4");
        }
    }

    private static IReadOnlyList<RgbFrame> ToRgb(IReadOnlyList<Frame8> frames) =>
        frames.Select(f => new RgbFrame(f.Width, f.Height, f.Rgb)).ToArray();

    public void Dispose() => _loaded.Dispose();
}
