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
        var result = new StudyResult
        {
            Model = entry.Name,
            Prompts = prompts.ToArray(),
            Generations = generations,
            Blocks = blocks,
            BlockSize = OptionList.Format(block),
            Steps = stepCount,
            Spearman = valid.Length == 0 ? double.NaN : valid.Average(),
            SpearmanPerGeneration = perGeneration.ToArray(),
            SpearmanPooled = RankCorrelation.Spearman(pooledComplexity.ToArray(), pooledConvergence.ToArray()),
            Recognition = rows,
            Threads = usedThreads,
            Options = options.ToPairs().ToDictionary(kv => kv.Key, kv => kv.Value),
            Version = RuntimeSettings.Version,
        };
        AtomicFile.WriteAllText(Path.Combine(o.OutDir, "study.json"), JsonSerializer.Serialize(result, ReportJson.Options));
        return result;
    }

    private static Tensor Keep(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().to(CPU).to(ScalarType.Float32).clone().DetachFromDisposeScope();
    }
}
