using System.Diagnostics;
using System.Text.Json;
using Jano.Core.Acceleration;
using Jano.Core.IO;
using Jano.Core.Metrics;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Jano.Engine.Output;
using Jano.Engine.Pipelines;

namespace Jano.Engine.Bench;

/// <summary>
/// <c>jano bench</c>: for each prompt and seed, one full-compute run and every (method, setting) run, interleaved in
/// this process after one untimed warm-up; each run's record (latency samples, speedup vs the same prompt/seed's full
/// run, PSNR/SSIM vs its output, analytic ideal speedup, cache bytes, peak RSS) is appended to <c>bench.jsonl</c> as it
/// finishes, so <c>--resume</c> skips finished runs. At the end writes <c>bench.json</c>, <c>bench.md</c>,
/// <c>frontier.png</c> and <c>levels.png</c> (all atomically).
/// </summary>
public static class BenchJob
{
    public const string FullMethod = "full";
    public const string FullSetting = "default";

    /// <summary>Output file names.</summary>
    public static IReadOnlyList<string> Files { get; } = ["bench.jsonl", "bench.json", "bench.md", "frontier.png", "levels.png"];

    private sealed record Run(string Method, string Setting, IAccelerator Accelerator);

    /// <summary>Runs the bench; <paramref name="progress"/> gets one line per finished run. Returns every record (resumed ones included).</summary>
    public static IReadOnlyList<BenchRecord> Execute(BenchOptions o, ModelCatalog catalog, Action<string>? progress = null, CancellationToken cancel = default)
    {
        var spec = o.Spec ?? ModelCatalog.Find(o.Model);
        int prompts = o.Quick ? 2 : o.Prompts;
        int seeds = o.Quick ? 1 : o.Seeds;
        int steps = o.Steps ?? (o.Quick ? Math.Max(10, spec.Steps / 2) : spec.Steps);
        if (prompts < 1 || prompts > FashionMnistClasses.Names.Count) throw new ArgumentException($"--prompts ({prompts}) must be in 1..{FashionMnistClasses.Names.Count}");
        if (seeds < 1) throw new ArgumentException($"--seeds ({seeds}) must be at least 1");
        if (o.Repeats < 1) throw new ArgumentException($"--repeats ({o.Repeats}) must be at least 1");
        if (steps < 2) throw new ArgumentException($"--steps ({steps}) must be at least 2");
        var methods = (o.Methods is { Count: > 0 } m ? m : BenchSettings.Methods).Select(x => x.Trim().ToLowerInvariant()).Distinct().ToArray();
        var runs = new List<Run>();
        foreach (var method in methods)
        {
            if (!BenchSettings.Methods.Contains(method))
                throw new ArgumentException($"unknown method '{method}' for --methods; valid: {string.Join(", ", BenchSettings.Methods)}");
            foreach (var (label, text) in BenchSettings.For(method, steps))
                runs.Add(new Run(method, label, AcceleratorCatalog.Create(method, spec, text)));
        }
        RuntimeSettings.EnsureWritableDirectory(o.OutDir);
        int threads = RuntimeSettings.ApplyThreads(o.Threads);
        using var loaded = catalog.Load(spec, LoadOptions.CpuFloat32);
        var descriptor = loaded.Model.Describe(spec.LatentShape);
        foreach (var r in runs)
        {
            using var noise = TorchSharp.torch.zeros(spec.LatentShape);
            using var _ = r.Accelerator.Begin(descriptor, new GenerationPlan(steps, new double[steps + 1],
                spec.Guidance != 1.0 ? [GuidanceBranch.Cond, GuidanceBranch.Uncond] : [GuidanceBranch.Cond], noise));
        }

        var jsonl = Path.Combine(o.OutDir, "bench.jsonl");
        var records = new List<BenchRecord>();
        if (o.Resume && File.Exists(jsonl)) records.AddRange(ReadJsonl(jsonl));
        else if (File.Exists(jsonl)) File.Delete(jsonl);
        var done = records.Select(r => r.Key).ToHashSet();

        var promptNames = Enumerable.Range(0, prompts).Select(i => FashionMnistClasses.Names[i * FashionMnistClasses.Names.Count / prompts]).ToArray();
        var pipeline = loaded.Pipeline;
        var tally = new FlopTally();
        double fullFlops = FlopModel.FullForward(descriptor) * steps * (spec.Guidance != 1.0 ? 2 : 1);
        bool warmed = false;
        foreach (var prompt in promptNames)
        for (int s = 0; s < seeds; s++)
        {
            long seed = 42 + s;
            var pending = runs.Where(r => !done.Contains(BenchRecord.RunKey(r.Method, r.Setting, prompt, seed))).ToList();
            bool fullDone = done.Contains(BenchRecord.RunKey(FullMethod, FullSetting, prompt, seed));
            if (pending.Count == 0 && fullDone) continue;
            var request = new GenerationRequest
            {
                Prompt = prompt, Steps = steps, Seed = seed, Guidance = spec.Guidance, Shift = spec.Shift, LatentShape = spec.LatentShape,
            };
            if (!warmed)
            {
                using (pipeline.Generate(request with { Steps = Math.Min(3, steps) }, new NoAccelerator(), cancel: cancel)) { }
                warmed = true;
            }
            var none = new FlopCountingAccelerator(new NoAccelerator(), tally);
            var (fullResult, fullSamples) = Timed(pipeline, request, none, o.Repeats, cancel);
            using (fullResult)
            {
                var fullFrames = Rgb(fullResult.Latent);
                double fullMedian = GenerationResult.Median(fullSamples);
                if (!fullDone)
                    Add(Record(spec, loaded.WeightsSource, FullMethod, FullSetting, new NoAccelerator(), prompt, seed, threads, steps,
                        fullResult, fullSamples, fullMedian, fullFrames, tally.Flops, fullFlops));
                foreach (var r in pending)
                {
                    cancel.ThrowIfCancellationRequested();
                    var (result, samples) = Timed(pipeline, request, new FlopCountingAccelerator(r.Accelerator, tally), o.Repeats, cancel);
                    using (result)
                        Add(Record(spec, loaded.WeightsSource, r.Method, r.Setting, r.Accelerator, prompt, seed, threads, steps,
                            result, samples, fullMedian, fullFrames, tally.Flops, fullFlops));
                }
            }
        }

        var all = records.Where(r => r.Model == spec.Name).ToList();
        AtomicFile.WriteAllText(Path.Combine(o.OutDir, "bench.json"), JsonSerializer.Serialize(all, ReportJson.Options));
        AtomicFile.WriteAllText(Path.Combine(o.OutDir, "bench.md"), BenchReport.Markdown(all, o.Quick));
        BenchReport.Frontier(Path.Combine(o.OutDir, "frontier.png"), all);
        BenchReport.Levels(Path.Combine(o.OutDir, "levels.png"), all);
        return all;

        void Add(BenchRecord rec)
        {
            records.Add(rec);
            done.Add(rec.Key);
            using (var w = new StreamWriter(jsonl, append: true))
                w.WriteLine(JsonSerializer.Serialize(rec));
            progress?.Invoke($"{rec.Method} {rec.Setting} '{rec.Prompt}' seed {rec.Seed}: {rec.LatencyMedian:F3} s, " +
                             $"{rec.Speedup:F2}x (ideal {rec.IdealSpeedup:F2}x), PSNR {(rec.Identical ? "identical" : rec.Psnr.ToString("F2"))}");
        }
    }

    private static (GenerationResult Result, double[] Samples) Timed(FlowPipeline pipeline, GenerationRequest request, IAccelerator accel, int repeats, CancellationToken cancel)
    {
        GenerationResult? first = null;
        var samples = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            var r = pipeline.Generate(request, accel, cancel: cancel);
            samples[i] = r.LatencySeconds;
            if (first is null) first = r; else r.Dispose();
        }
        return (first!, samples);
    }

    private static BenchRecord Record(ModelSpec spec, string weights, string method, string setting, IAccelerator accel, string prompt, long seed,
        int threads, int steps, GenerationResult result, double[] samples, double fullMedian, IReadOnlyList<RgbFrame> fullFrames, double flops, double fullFlops)
    {
        var q = ImageQuality.Compare(Rgb(result.Latent), fullFrames);
        double median = GenerationResult.Median(samples);
        using var process = Process.GetCurrentProcess();
        return new BenchRecord
        {
            Model = spec.Name,
            Weights = weights,
            Method = method,
            Setting = setting,
            Options = accel.Options.ToDictionary(kv => kv.Key, kv => kv.Value),
            Prompt = prompt,
            Seed = seed,
            Threads = threads,
            Steps = steps,
            LatencySamples = samples,
            LatencyMedian = median,
            FullLatencyMedian = fullMedian,
            Speedup = fullMedian / median,
            Psnr = q.Identical ? ImageQuality.IdenticalFramePsnr : Math.Min(ImageQuality.IdenticalFramePsnr, q.Psnr ?? ImageQuality.IdenticalFramePsnr),
            Ssim = q.Ssim,
            Identical = q.Identical,
            IdealSpeedup = flops > 0 ? fullFlops / flops : double.PositiveInfinity,
            Flops = flops,
            CacheBytes = result.Accelerator.CacheBytes,
            PeakRssBytes = process.PeakWorkingSet64,
            ComputedTokenFraction = result.ComputedTokenFraction,
            StepLevels = result.Steps.Select(st => st.Level).ToArray(),
            LevelSeconds = result.Steps.GroupBy(st => st.Level).ToDictionary(g => g.Key, g => g.Sum(st => st.Seconds)),
        };
    }

    private static IReadOnlyList<RgbFrame> Rgb(TorchSharp.torch.Tensor latent) =>
        FrameConverter.ToFrames(latent).Select(f => new RgbFrame(f.Width, f.Height, f.Rgb)).ToArray();

    /// <summary>Reads the records of a <c>bench.jsonl</c>, ignoring a torn last line.</summary>
    public static IReadOnlyList<BenchRecord> ReadJsonl(string path)
    {
        var list = new List<BenchRecord>();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                if (JsonSerializer.Deserialize<BenchRecord>(line) is { } r) list.Add(r);
            }
            catch (JsonException)
            {
                // an interrupted append leaves at most one torn line; that run is simply redone
            }
        }
        return list;
    }
}
