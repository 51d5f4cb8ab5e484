using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Jano.Acceleration.JanoMethod;
using Jano.Core;
using Jano.Core.Acceleration;
using Jano.Core.IO;
using Jano.Core.Metrics;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Jano.Engine.Output;
using Jano.Engine.Pipelines;

namespace Jano.Engine.Bench;

/// <summary>
/// <c>jano bench</c>: for each prompt and seed, full compute and every (method, setting) run in one process.
/// Timing protocol: one untimed warm-up (a full generation and one run of every method) before the first timed
/// run; per prompt/seed the method groups run in an order rotated by the pair's index, and full compute is timed
/// before the first group and again after every second group, so drift and contention hit both sides alike; the full
/// latency of a pair is the median of all its full samples. Each run's record (latency samples, speedup against that
/// median, PSNR/SSIM against the full output, analytic ideal speedup, cache bytes, peak RSS, per-step times and
/// token shares) is appended to <c>bench.jsonl</c> as it finishes, so <c>--resume</c> skips finished runs. Each
/// method's off setting runs on the first <see cref="BenchOptions.OffPairs"/> pairs. At the end writes
/// <c>bench.json</c>, <c>bench.md</c> (table plus goal lines), <c>frontier.png</c> and <c>levels.png</c> (atomically).
/// </summary>
public static class BenchJob
{
    public const string FullMethod = "full";
    public const string FullSetting = "default";

    /// <summary>Output file names.</summary>
    public static IReadOnlyList<string> Files { get; } = ["bench.jsonl", "bench.json", "bench.md", "frontier.png", "levels.png"];

    private sealed record Run(string Method, string Setting, IAccelerator Accelerator, bool Off);

    /// <summary>Runs the bench on any model's pipeline; <paramref name="progress"/> gets one line per finished run. Returns
    /// every record (resumed ones included).</summary>
    public static IReadOnlyList<BenchRecord> Execute(BenchOptions o, ModelCatalog catalog, Action<string>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(catalog);
        var entry = o.Entry is { } given ? catalog.Bind(given) : catalog.Resolve(o.Model);
        int prompts = o.Quick ? 2 : o.Prompts;
        int seeds = o.Quick ? 1 : o.Seeds;
        int offPairs = o.Quick ? Math.Min(1, o.OffPairs) : o.OffPairs;
        int steps = o.Steps ?? (o.Quick ? Math.Max(10, entry.Defaults.Steps / 2) : entry.Defaults.Steps);
        var promptNames = entry.SpreadPrompts(prompts);
        if (seeds < 1) throw new UsageException($"--seeds ({seeds}) must be at least 1");
        if (o.Repeats < 1) throw new UsageException($"--repeats ({o.Repeats}) must be at least 1");
        if (offPairs < 0) throw new UsageException($"--off-pairs ({offPairs}) must not be negative");
        if (steps < 2) throw new UsageException($"--steps ({steps}) must be at least 2");
        var methods = (o.Methods is { Count: > 0 } m ? m : BenchSettings.Methods).Select(x => x.Trim().ToLowerInvariant()).Distinct().ToArray();
        var calibration = entry.LoadCalibration();
        var groups = new List<List<Run>>();
        foreach (var method in methods)
        {
            if (!BenchSettings.Methods.Contains(method))
                throw new UsageException($"unknown method '{method}' for --methods; valid: {string.Join(", ", BenchSettings.Methods)}");
            var accel = BenchSettings.AcceleratorName(method);
            var group = BenchSettings.For(method, steps)
                .Select(x => new Run(method, x.Label, AcceleratorCatalog.Create(accel, entry, x.Options, calibration), false)).ToList();
            group.Add(new Run(method, BenchSettings.OffLabel, AcceleratorCatalog.Create(accel, entry, BenchSettings.Off(method), calibration), true));
            groups.Add(group);
        }
        RuntimeSettings.EnsureWritableDirectory(o.OutDir);
        int threads = RuntimeSettings.ApplyThreads(o.Threads);
        using var pipeline = entry.CreatePipeline(LoadOptions.Cpu);
        var byPrompt = promptNames.ToDictionary(p => p, p => pipeline.Resolve(new GenerationRequest { Prompt = p, Steps = steps }), StringComparer.Ordinal);
        var first = byPrompt[promptNames[0]];
        // an oracle run gets its block scores per seed; its options are checked here with none yet
        foreach (var r in groups.SelectMany(g => g))
            pipeline.CheckAccelerator(first, r.Accelerator is JanoAccelerator { BlockScores: null, JanoOptions.MapSource: JanoMapSource.Oracle } j
                ? j.WithBlockScores([])
                : r.Accelerator);

        var jsonl = Path.Combine(o.OutDir, "bench.jsonl");
        var records = new List<BenchRecord>();
        if (o.Resume && File.Exists(jsonl)) records.AddRange(ReadJsonl(jsonl));
        else if (File.Exists(jsonl)) File.Delete(jsonl);
        var done = records.Select(r => r.Key).ToHashSet();

        // (prompt, seed, pair index) of every pair, and the prompts that still have runs to do
        var pairs = promptNames.SelectMany(p => Enumerable.Range(0, seeds).Select(s => (Prompt: p, Seed: 42L + s)))
            .Select((x, i) => (x.Prompt, x.Seed, Index: i)).ToList();
        bool Pending(string prompt, long seed, int index) =>
            !done.Contains(BenchRecord.RunKey(FullMethod, FullSetting, prompt, seed))
            || groups.Any(g => g.Any(r => (index < offPairs || !r.Off) && !done.Contains(BenchRecord.RunKey(r.Method, r.Setting, prompt, seed))));
        var todo = pairs.Where(p => Pending(p.Prompt, p.Seed, p.Index)).Select(p => p.Prompt).Distinct(StringComparer.Ordinal).ToArray();
        var conditions = new Dictionary<string, EncodedCondition>(StringComparer.Ordinal);
        try
        {
            // every prompt encoded up front: a large text encoder is built once and freed before the denoiser loads
            var encoded = pipeline.EncodeConditions(todo.Select(p => byPrompt[p]).ToArray(), cancel: cancel);
            for (int i = 0; i < todo.Length; i++) conditions[todo[i]] = encoded[i];
            RunPairs();
        }
        finally
        {
            foreach (var c in conditions.Values) c.Dispose();
        }

        var all = records.Where(r => r.Model == entry.Name).ToList();
        AtomicFile.WriteAllText(Path.Combine(o.OutDir, "bench.json"), JsonSerializer.Serialize(all, ReportJson.Options));
        AtomicFile.WriteAllText(Path.Combine(o.OutDir, "bench.md"), BenchReport.Markdown(all, o.Quick));
        BenchReport.Frontier(Path.Combine(o.OutDir, "frontier.png"), all);
        BenchReport.Levels(Path.Combine(o.OutDir, "levels.png"), all);
        return all;

        void RunPairs()
        {
            var tally = new FlopTally();
            var descriptor = pipeline.Describe(first);
            double fullFlops = FlopModel.FullForward(descriptor) * steps * (first.Cfg ? 2 : 1);
            bool warmed = false;
            foreach (var (prompt, seed, pairIndex) in pairs)
            {
                bool withOff = pairIndex < offPairs;
                var pending = groups
                    .Select(g => g.Where(r => (withOff || !r.Off) && !done.Contains(BenchRecord.RunKey(r.Method, r.Setting, prompt, seed))).ToList())
                    .Where(g => g.Count > 0).ToList();
                bool fullDone = done.Contains(BenchRecord.RunKey(FullMethod, FullSetting, prompt, seed));
                if (pending.Count == 0 && fullDone) continue;
                int rotation = pending.Count > 0 ? pairIndex % pending.Count : 0;
                pending = pending.Skip(rotation).Concat(pending.Take(rotation)).ToList();
                var settings = byPrompt[prompt] with { Seed = seed };
                var condition = conditions[prompt];
                // the oracle map's block scores come from an extra, untimed full run of this seed
                using var oracle = (!warmed && groups.Any(g => g[0].Method == BenchSettings.OracleMethod))
                                   || pending.Any(g => g.Any(r => r.Method == BenchSettings.OracleMethod && !r.Off))
                    ? OracleScores.Record(pipeline, settings, condition, cancel)
                    : null;
                IAccelerator Seeded(Run r) =>
                    oracle is not null && r.Method == BenchSettings.OracleMethod && !r.Off && r.Accelerator is JanoAccelerator j
                        ? j.WithBlockScores(oracle.For(j.JanoOptions))
                        : r.Accelerator;

                if (!warmed)
                {
                    using (pipeline.Denoise(settings, condition, new NoAccelerator(), cancel: cancel)) { }
                    foreach (var g in groups)
                        using (pipeline.Denoise(settings, condition, Seeded(g[0]), cancel: cancel)) { }
                    warmed = true;
                }

                // time full compute and every pending run, interleaved; outputs of the first repeat are kept
                var none = new FlopCountingAccelerator(new NoAccelerator(), tally);
                var fullSamples = new List<double>();
                GenerationResult? fullResult = null;
                double fullCount = 0;
                var results = new Dictionary<Run, (GenerationResult Result, List<double> Samples, double Flops)>();
                try
                {
                    for (int rep = 0; rep < o.Repeats; rep++)
                    {
                        TimeFull();
                        for (int gi = 0; gi < pending.Count; gi++)
                        {
                            foreach (var r in pending[gi])
                            {
                                cancel.ThrowIfCancellationRequested();
                                var res = pipeline.Denoise(settings, condition, new FlopCountingAccelerator(Seeded(r), tally), cancel: cancel);
                                if (results.TryGetValue(r, out var kept)) { kept.Samples.Add(res.LatencySeconds); res.Dispose(); }
                                else results[r] = (res, [res.LatencySeconds], tally.Flops);
                            }
                            if (gi % 2 == 1 || gi == pending.Count - 1) TimeFull();
                        }
                    }
                    var fullFrames = DecodeRgb(fullResult!);
                    double fullMedian = GenerationResult.Median(fullSamples);
                    if (!fullDone)
                        Add(Record(entry.Name, pipeline.WeightsSource, FullMethod, FullSetting, new NoAccelerator(), prompt, seed, threads, steps,
                            fullResult!, fullFrames, fullSamples.ToArray(), fullMedian, fullFrames, fullCount, fullFlops));
                    foreach (var r in pending.SelectMany(g => g))
                    {
                        var (result, samples, flops) = results[r];
                        Add(Record(entry.Name, pipeline.WeightsSource, r.Method, r.Setting, r.Accelerator, prompt, seed, threads, steps,
                            result, DecodeRgb(result), samples.ToArray(), fullMedian, fullFrames, flops, fullFlops));
                    }
                }
                finally
                {
                    fullResult?.Dispose();
                    foreach (var v in results.Values) v.Result.Dispose();
                }

                void TimeFull()
                {
                    var res = pipeline.Denoise(settings, condition, none, cancel: cancel);
                    fullSamples.Add(res.LatencySeconds);
                    if (fullResult is null) { fullResult = res; fullCount = tally.Flops; }
                    else res.Dispose();
                }
            }
        }

        IReadOnlyList<RgbFrame> DecodeRgb(GenerationResult result)
        {
            using var frames = pipeline.Decode(result.Latent);
            return FrameConverter.ToRgbFrames(frames);
        }

        void Add(BenchRecord rec)
        {
            records.Add(rec);
            done.Add(rec.Key);
            using (var w = new StreamWriter(jsonl, append: true))
                w.WriteLine(JsonSerializer.Serialize(rec));
            progress?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"{rec.Method} {rec.Setting} '{rec.Prompt}' seed {rec.Seed}: {rec.LatencyMedian:F3} s, " +
                $"{rec.Speedup:F2}x (ideal {rec.IdealSpeedup:F2}x), PSNR {(rec.Identical ? "identical" : rec.Psnr.ToString("F2", CultureInfo.InvariantCulture))}"));
        }
    }

    private static BenchRecord Record(string model, string weights, string method, string setting, IAccelerator accel, string prompt, long seed,
        int threads, int steps, GenerationResult result, IReadOnlyList<RgbFrame> frames, double[] samples, double fullMedian,
        IReadOnlyList<RgbFrame> fullFrames, double flops, double fullFlops)
    {
        var q = ImageQuality.Compare(frames, fullFrames);
        double median = GenerationResult.Median(samples);
        using var process = Process.GetCurrentProcess();
        return new BenchRecord
        {
            Model = model,
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
            StepSeconds = result.Steps.Select(st => st.Seconds).ToArray(),
            StepTokenShare = result.Steps.Select(st => st.TokensComputed / (double)((long)result.TokenCount * result.Branches)).ToArray(),
        };
    }

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
