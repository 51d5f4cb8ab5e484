using System.Text.Json;
using Jano.Acceleration.JanoMethod;
using Jano.Core;
using Jano.Core.Acceleration;
using Jano.Core.Analysis;
using Jano.Core.IO;
using Jano.Core.Metrics;
using Jano.Core.Options;
using Jano.Engine.Catalog;
using Jano.Engine.Pipelines;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Engine.Jobs;

/// <summary>
/// <c>jano analyze --model</c>: the paper's Section-3 study, on any model's pipeline (in its latent space). For
/// full-compute generations of every prompt (the model's sample prompts: every class of the Fashion-MNIST models),
/// compares the ground-truth complexity of the final latent per analysis block with each block's convergence (Spearman),
/// and measures how well the analyzer's score after W warm-up steps recognises the final complexity terciles, against FFT
/// complexity of the latent after W steps. Seed of sample s of prompt p: 10000 + 100·p + s.
/// </summary>
public static class StudyJob
{
    public static StudyResult Run(StudyOptions o, ModelCatalog catalog, Action<int, int>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(catalog);
        var entry = o.Entry is { } given ? catalog.Bind(given) : catalog.Resolve(o.Model);
        if (o.SamplesPerPrompt < 1) throw new UsageException($"--samples ({o.SamplesPerPrompt}) must be at least 1");
        var prompts = entry.SpreadPrompts(o.Prompts ?? entry.SamplePrompts.Count);
        var options = new JanoOptions().With(OptionList.Parse(entry.JanoPreset)).With(OptionList.Parse(o.AnalyzerOptions));
        int stepCount = o.Steps ?? entry.Defaults.Steps;
        if (stepCount < 4) throw new UsageException($"--steps ({stepCount}) must be at least 4 for the study");
        using var pipeline = entry.CreatePipeline(LoadOptions.Cpu);
        var requests = prompts.Select(p => pipeline.Resolve(new GenerationRequest { Prompt = p, Steps = stepCount })).ToArray();
        var block = options.AnalyzeBlockSize;
        var grid = pipeline.Describe(requests[0]).LatentShape;
        if (grid[1] % block.T != 0 || grid[2] % block.H != 0 || grid[3] % block.W != 0)
            throw new UsageException($"analyze_block_size ({OptionList.Format(block)}) does not tile the latent [{string.Join(", ", grid)}]");
        RuntimeSettings.EnsureWritableDirectory(o.OutDir);
        int usedThreads = RuntimeSettings.ApplyThreads(o.Threads);
        int maxWarmup = Math.Max(1, stepCount / 2);
        var perGeneration = new List<double>();
        var pooledComplexity = new List<double>();
        var pooledConvergence = new List<double>();
        var analyzerHits = new double[maxWarmup + 1];
        var fftHits = new double[maxWarmup + 1];
        int generations = 0, blocks = 0, total = prompts.Count * o.SamplesPerPrompt;
        var none = new NoAccelerator();
        var stale = new StaleAccumulator();

        var conditions = pipeline.EncodeConditions(requests, cancel: cancel);
        try
        {
            for (int p = 0; p < prompts.Count; p++)
            for (int sample = 0; sample < o.SamplesPerPrompt; sample++)
            {
                cancel.ThrowIfCancellationRequested();
                var settings = requests[p] with { Seed = 10_000 + p * 100 + sample };
                var trajectory = new List<Tensor>();
                var velocities = new List<Tensor>();
                try
                {
                    using (var noise = pipeline.InitialNoise(settings))
                        trajectory.Add(Keep(noise));
                    using var generated = pipeline.Denoise(settings, conditions[p], none, cancel: cancel, observe: (step, v, next) =>
                    {
                        velocities.Add(Keep(v));
                        trajectory.Add(Keep(next));
                    });
                    var complexity = GroundTruth.Complexity(trajectory[^1], block);
                    var convergence = GroundTruth.Convergence(trajectory, block);
                    blocks = complexity.Length;
                    perGeneration.Add(RankCorrelation.Spearman(complexity, convergence));
                    pooledComplexity.AddRange(complexity);
                    pooledConvergence.AddRange(convergence);
                    for (int w = 1; w <= maxWarmup; w++)
                    {
                        using var scope = NewDisposeScope();
                        var feats = new List<Tensor>();
                        if (options.IncludeXt) feats.Add(trajectory[0]);
                        feats.AddRange(velocities.Take(w));
                        if (feats.Count >= 2)
                        {
                            var analysis = ComplexityAnalyzer.Analyze(torch.stack(feats, 0), new AnalyzerSettings(block, options.TWeight,
                                options.DStrength, options.DDistance, options.Enhance, options.StaticThresh, options.MediumThresh));
                            analyzerHits[w] += GroundTruth.TercileAgreement(analysis.Score.Select(x => (double)x).ToArray(), complexity);
                        }
                        fftHits[w] += GroundTruth.TercileAgreement(GroundTruth.Complexity(trajectory[w], block), complexity);
                    }
                    if (options.WarmupSteps + options.CooldownSteps < stepCount)
                        stale.Add(StaleErrors(trajectory[0], velocities, options, stepCount));
                }
                finally
                {
                    foreach (var t in trajectory) t.Dispose();
                    foreach (var t in velocities) t.Dispose();
                }
                generations++;
                progress?.Invoke(generations, total);
            }
        }
        finally
        {
            foreach (var c in conditions) c.Dispose();
        }

        var rows = Enumerable.Range(1, maxWarmup)
            .Where(w => options.IncludeXt || w >= 2)
            .Select(w => new StudyResult.RecognitionRow(w, analyzerHits[w] / generations, fftHits[w] / generations))
            .ToArray();
        var valid = perGeneration.Where(double.IsFinite).ToArray();
        double pooled = RankCorrelation.Spearman(pooledComplexity.ToArray(), pooledConvergence.ToArray());
        var result = new StudyResult
        {
            Model = entry.Name,
            Prompts = prompts.ToArray(),
            Generations = generations,
            Blocks = blocks,
            BlockSize = OptionList.Format(block),
            Steps = stepCount,
            Spearman = valid.Length == 0 ? double.NaN : valid.Average(),
            SpearmanP = StudentT.MeanP(perGeneration),
            SpearmanPerGeneration = perGeneration.ToArray(),
            SpearmanPooled = pooled,
            SpearmanPooledP = StudentT.CorrelationP(pooled, pooledComplexity.Count),
            StaleError = stale.Result(options),
            Recognition = rows,
            Threads = usedThreads,
            Options = options.ToPairs().ToDictionary(kv => kv.Key, kv => kv.Value),
            Version = RuntimeSettings.Version,
        };
        AtomicFile.WriteAllText(Path.Combine(o.OutDir, "study.json"), JsonSerializer.Serialize(result, ReportJson.Options));
        return result;
    }

    // One generation's stale-error figures at the preset: (analyzer vs stale, oracle vs stale, analyzer vs oracle, warm-up
    // predictor vs stale, static share in the lowest stale tercile, static fraction, best-decile ratio, analyzer static
    // error / random expectation, oracle static error / analyzer's).
    private static double[] StaleErrors(Tensor noise, IReadOnlyList<Tensor> velocities, JanoOptions options, int steps)
    {
        var block = options.AnalyzeBlockSize;
        int w = options.WarmupSteps, first = w + 1, last = steps - options.CooldownSteps;
        var levels = InterleavedSchedule.All(steps, options);
        var lastFull = new int[steps];
        for (int s = 1, r = 1; s <= steps; s++)
        {
            if (levels[s - 1] is 0 or 3) r = s;
            lastFull[s - 1] = r;
        }
        var error = GroundTruth.StaleError(velocities, block, lastFull, first, last);
        var oracle = GroundTruth.VelocityChange(velocities, block, first, last);
        double[] score;
        int[] blockLevels;
        using (var scope = NewDisposeScope())
        {
            var feats = new List<Tensor>();
            if (options.IncludeXt) feats.Add(noise);
            feats.AddRange(velocities.Take(w));
            var analysis = ComplexityAnalyzer.Analyze(torch.stack(feats, 0), new AnalyzerSettings(block, options.TWeight,
                options.DStrength, options.DDistance, options.Enhance, options.StaticThresh, options.MediumThresh));
            score = analysis.Score.Select(x => (double)x).ToArray();
            blockLevels = analysis.Levels;
        }
        double warmupPredictor = w >= 2 ? RankCorrelation.Spearman(GroundTruth.VelocityChange(velocities, block, w, w), error) : double.NaN;
        var terciles = GroundTruth.Terciles(error);
        int statics = blockLevels.Count(l => l == 1);
        double inLowest = statics == 0 ? double.NaN : blockLevels.Where((l, i) => l == 1 && terciles[i] == 0).Count() / (double)statics;
        double mean = error.Average();
        var sorted = error.OrderBy(x => x).ToArray();
        int decile = Math.Max(1, (int)Math.Ceiling(sorted.Length / 10.0));
        double bestDecile = mean > 0 ? sorted.Take(decile).Average() / mean : double.NaN;
        double analyzerCost = blockLevels.Select((l, i) => l == 1 ? error[i] : 0).Sum();
        double oracleCost = sorted.Take(statics).Sum();
        return
        [
            RankCorrelation.Spearman(score, error), RankCorrelation.Spearman(oracle, error), RankCorrelation.Spearman(score, oracle),
            warmupPredictor, inLowest, statics / (double)blockLevels.Length, bestDecile,
            statics == 0 || mean == 0 ? double.NaN : analyzerCost / (statics * mean),
            analyzerCost > 0 ? oracleCost / analyzerCost : double.NaN,
        ];
    }

    // Per-generation stale-error figures, averaged (NaN entries left out) into the result.
    private sealed class StaleAccumulator
    {
        private readonly List<double[]> _rows = new();

        public void Add(double[] row) => _rows.Add(row);

        public StudyResult.StaleErrorStudy? Result(JanoOptions o)
        {
            if (_rows.Count == 0) return null;
            double M(int i)
            {
                var v = _rows.Select(r => r[i]).Where(double.IsFinite).ToArray();
                return v.Length == 0 ? double.NaN : v.Average();
            }
            return new StudyResult.StaleErrorStudy(o.WarmupSteps, o.StaticInterval, M(0), StudentT.MeanP(_rows.Select(r => r[0])), M(1), M(2), M(3),
                M(4), M(5), M(6), M(7), M(8), _rows.Count);
        }
    }

    private static Tensor Keep(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().to(CPU).to(ScalarType.Float32).clone().DetachFromDisposeScope();
    }
}
