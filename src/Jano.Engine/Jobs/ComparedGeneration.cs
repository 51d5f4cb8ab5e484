using System.Globalization;
using Jano.Core.Acceleration;
using Jano.Core.Metrics;
using Jano.Engine.Output;
using Jano.Engine.Pipelines;

namespace Jano.Engine.Jobs;

/// <summary>
/// One generation as <c>jano generate</c> and the library run it, without writing files: the condition encoded once,
/// with a comparison an untimed 3-step warm-up of full compute, then full and accelerated runs alternating
/// <c>repeats</c> times (medians; no step result shared between runs), both decoded, the level map, the quality metrics
/// and the report. Denoising runs are labelled <c>warm-up</c>, <c>full R/N</c> and <c>ACCEL R/N</c> in the progress.
/// </summary>
public static class ComparedGeneration
{
    public static GenerationOutcome Run(IDiffusionPipeline pipeline, string modelName, GenerationSettings settings, IAccelerator accel,
        bool compare, int repeats, int threads, IProgress<GenerationProgress>? progress, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(accel);
        var none = new NoAccelerator();
        GenerationResult? baseline = null, accelerated = null;
        TorchSharp.torch.Tensor? video = null, baseVideo = null;
        var baseSamples = new List<double>();
        var accelSamples = new List<double>();
        using var condition = pipeline.EncodeCondition(settings, progress, cancel);
        try
        {
            if (compare)
            {
                using (pipeline.Denoise(settings with { Steps = Math.Min(3, settings.Steps) }, condition, none,
                           LabelledProgress.For(progress, "warm-up"), cancel: cancel)) { }
            }
            for (int r = 0; r < repeats; r++)
            {
                string of = string.Create(CultureInfo.InvariantCulture, $"{r + 1}/{repeats}");
                if (compare)
                {
                    var b = pipeline.Denoise(settings, condition, none, LabelledProgress.For(progress, "full " + of), cancel: cancel);
                    baseSamples.Add(b.LatencySeconds);
                    if (baseline is null) baseline = b; else b.Dispose();
                }
                var a = pipeline.Denoise(settings, condition, accel, LabelledProgress.For(progress, $"{accel.Name} {of}"), cancel: cancel);
                accelSamples.Add(a.LatencySeconds);
                if (accelerated is null) accelerated = a; else a.Dispose();
            }
            cancel.ThrowIfCancellationRequested();
            video = pipeline.Decode(accelerated!.Latent, progress);                        // [C, F, H, W] in [-1, 1]
            if (baseline is not null) baseVideo = pipeline.Decode(baseline.Latent, progress);
            var outcome = Assemble(pipeline, modelName, settings, accel, threads, accelerated, baseline, video, baseVideo, accelSamples, baseSamples);
            accelerated = null;
            baseline = null;
            return outcome;
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
    private static GenerationOutcome Assemble(IDiffusionPipeline pipeline, string modelName, GenerationSettings settings, IAccelerator accel,
        int threads, GenerationResult result, GenerationResult? baseline, TorchSharp.torch.Tensor video, TorchSharp.torch.Tensor? baseVideo,
        List<double> samples, List<double> baseSamples)
    {
        var frames = FrameConverter.ToFrames(video);
        var baseFrames = baseVideo is null ? null : FrameConverter.ToFrames(baseVideo);
        var rep = result.Accelerator;
        IReadOnlyList<Frame8>? levelMap = pipeline.PixelsPerToken is { } pixels && rep.TokenLevels is { } levels && rep.TokenGrid is { } grid
            ? LevelMapRenderer.Render(frames, levels, grid, pixels, scale: 8)
            : null;
        QualityResult? quality = baseFrames is null ? null : ImageQuality.Compare(FrameConverter.ToRgb(frames), FrameConverter.ToRgb(baseFrames));
        double latency = GenerationResult.Median(samples);
        Dictionary<string, double>? relative = null;
        if (baseline is not null && baseline.MedianStepSeconds.TryGetValue("full", out var fullStep) && fullStep > 0)
            relative = result.MedianStepSeconds.ToDictionary(kv => kv.Key, kv => kv.Value / fullStep);
        var report = new GenerationReport
        {
            Model = modelName,
            Weights = pipeline.WeightsSource,
            Prompt = settings.Prompt,
            Accel = accel.Name,
            Options = accel.Options.ToDictionary(kv => kv.Key, kv => kv.Value),
            Steps = settings.Steps,
            Seed = settings.Seed,
            Guidance = settings.Guidance,
            Shift = settings.Shift,
            Size = string.Create(CultureInfo.InvariantCulture, $"{video.shape[3]}x{video.shape[2]}"),
            Frames = (int)video.shape[1],
            Threads = threads,
            Device = pipeline.Device.type.ToString().ToLowerInvariant(),
            DType = RuntimeSettings.DTypeName(pipeline.DType),
            Sampler = settings.Sampler,
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
        return new GenerationOutcome(result, baseline, frames, baseFrames, levelMap, report);
    }
}
