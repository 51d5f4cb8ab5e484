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
/// <c>jano analyze --model</c>: the paper's Section-3 study. For full-compute generations of every class, compares the
/// ground-truth complexity of the final sample per analysis block with each block's convergence (Spearman), and measures
/// how well the analyzer's score after W warm-up steps recognises the final complexity terciles, against FFT complexity
/// of the latent after W steps.
/// </summary>
public static class StudyJob
{
    public static StudyResult Run(ModelCatalog catalog, string modelName, string? optionText, int samplesPerClass, int? threads,
        string outDir, Action<int, int>? progress, CancellationToken cancel, int? steps = null)
    {
        var spec = ModelCatalog.Find(modelName);
        if (samplesPerClass < 1) throw new UsageException($"--samples ({samplesPerClass}) must be at least 1");
        var options = new JanoOptions().With(OptionList.Parse(spec.JanoPreset)).With(OptionList.Parse(optionText));
        RuntimeSettings.EnsureWritableDirectory(outDir);
        int usedThreads = RuntimeSettings.ApplyThreads(threads);
        using var loaded = catalog.Load(spec, LoadOptions.CpuFloat32);
        var block = options.AnalyzeBlockSize;
        int stepCount = steps ?? spec.Steps;
        if (stepCount < 4) throw new UsageException($"--steps ({stepCount}) must be at least 4 for the study");
        int maxWarmup = Math.Max(1, stepCount / 2);
        var perGeneration = new List<double>();
        var pooledComplexity = new List<double>();
        var pooledConvergence = new List<double>();
        var analyzerHits = new double[maxWarmup + 1];
        var fftHits = new double[maxWarmup + 1];
        int generations = 0, blocks = 0, total = FashionMnistClasses.Names.Count * samplesPerClass;

        for (int cls = 0; cls < FashionMnistClasses.Names.Count; cls++)
        for (int sample = 0; sample < samplesPerClass; sample++)
        {
            cancel.ThrowIfCancellationRequested();
            var request = new GenerationRequest
            {
                Prompt = FashionMnistClasses.Names[cls],
                Steps = stepCount,
                Seed = 10_000 + cls * 100 + sample,
                Guidance = spec.Guidance,
                Shift = spec.Shift,
                LatentShape = spec.LatentShape,
            };
            var trajectory = new List<Tensor>();
            var velocities = new List<Tensor>();
            try
            {
                using (var noise = loaded.Pipeline.InitialNoise(spec.LatentShape, request.Seed))
                    trajectory.Add(Keep(noise));
                using var generated = loaded.Pipeline.Generate(request, new NoAccelerator(), cancel: cancel, observe: (step, v, next) =>
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

        var rows = Enumerable.Range(1, maxWarmup)
            .Where(w => options.IncludeXt || w >= 2)
            .Select(w => new StudyResult.RecognitionRow(w, analyzerHits[w] / generations, fftHits[w] / generations))
            .ToArray();
        var valid = perGeneration.Where(double.IsFinite).ToArray();
        var result = new StudyResult
        {
            Model = spec.Name,
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
        AtomicFile.WriteAllText(Path.Combine(outDir, "study.json"), JsonSerializer.Serialize(result, ReportJson.Options));
        return result;
    }

    private static Tensor Keep(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().to(CPU).to(ScalarType.Float32).clone().DetachFromDisposeScope();
    }
}
