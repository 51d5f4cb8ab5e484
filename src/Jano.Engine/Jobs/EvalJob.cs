using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Jano.Core.Acceleration;
using Jano.Core.IO;
using Jano.Core.Metrics;
using Jano.Engine.Catalog;
using Jano.Engine.Output;
using Jano.Engine.Pipelines;
using Jano.Training;
using Jano.Training.Classifier;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Engine.Jobs;

/// <summary>
/// <c>jano eval</c>: generates <c>N</c> samples per class with full compute and with Jano (the model's preset, batch 1,
/// fixed seeds, the model's steps, guidance and shift), classifies every frame with the model's classifier and reports
/// class accuracy, Fréchet distances in the classifier's feature space (with the real-vs-real floor), PSNR/SSIM of Jano
/// against full over whole frames and over the object region, Jano's level distribution and speed.
/// Definitions: docs/eval.md.
/// </summary>
public sealed class EvalJob : IDisposable
{
    /// <summary>Seed of sample i of class c is <c>SeedBase + 1000·c + i</c>.</summary>
    public const long SeedBase = 0;

    /// <summary>Seed of the real reference clips (video) and of the shuffles choosing real test images (image).</summary>
    public const int ReferenceSeed = 20250;

    /// <summary>Seed of the clips behind the frame classifier's ceiling.</summary>
    public const int CeilingSeed = 777000;

    private readonly EvalOptions _o;
    private readonly LoadedModel _loaded;
    private readonly FrameClassifier _classifier;
    private readonly string _classifierPath;
    private readonly FashionMnist _test;
    private readonly IAccelerator _jano;
    private readonly GenerationRequest _request;
    private readonly int _samples;
    private readonly int _threads;

    private EvalJob(EvalOptions o, LoadedModel loaded, FrameClassifier classifier, string classifierPath, FashionMnist test,
        IAccelerator jano, GenerationRequest request, int samples, int threads)
    {
        _o = o;
        _loaded = loaded;
        _classifier = classifier;
        _classifierPath = classifierPath;
        _test = test;
        _jano = jano;
        _request = request;
        _samples = samples;
        _threads = threads;
    }

    public LoadedModel Loaded => _loaded;

    public int SamplesPerClass => _samples;

    public GenerationRequest Request => _request;

    /// <summary>Checks everything and loads the model, the classifier and the test split; bad input is an <see cref="ArgumentException"/>.</summary>
    public static EvalJob Prepare(EvalOptions o, ModelCatalog catalog)
    {
        var spec = ModelCatalog.Find(o.Model);
        int samples = o.Samples ?? spec.EvalSamplesPerClass;
        if (samples < 1) throw new ArgumentException($"--samples ({samples}) must be at least 1");
        if (!spec.IsVideo && samples > 500) throw new ArgumentException($"--samples ({samples}) must be at most 500 for images (the test split has 1000 per class, two disjoint real sets are drawn)");
        if (o.Steps is < 1) throw new ArgumentException($"--steps ({o.Steps}) must be at least 1");
        if (o.ClassifierCheckImages is < 1) throw new ArgumentException($"classifier check images ({o.ClassifierCheckImages}) must be at least 1");
        if (o.CeilingClipsPerClass < 1) throw new ArgumentException($"ceiling clips per class ({o.CeilingClipsPerClass}) must be at least 1");
        if (!(o.RegionThreshold is >= 0 and < 1)) throw new ArgumentException($"region threshold ({o.RegionThreshold}) must be in [0, 1)");
        if (o.RegionDilation < 0) throw new ArgumentException($"region dilation ({o.RegionDilation}) must not be negative");
        if (spec.Height != FrameClassifier.Side || spec.Width != FrameClassifier.Side || spec.LatentShape[0] != 1)
            throw new ArgumentException($"model '{spec.Name}' does not make 32x32 grey frames; the eval classifier cannot judge it");
        if (o.ClassifierPath is null && spec.ClassifierFile.Length == 0)
            throw new ArgumentException($"model '{spec.Name}' has no evaluation classifier");
        var classifierPath = o.ClassifierPath ?? catalog.ClassifierPath(spec);
        if (!File.Exists(classifierPath))
            throw new ArgumentException($"no classifier at {classifierPath}; train it with `jano train-classifier --model {spec.Name}`");
        var jano = AcceleratorCatalog.Create("jano", spec, null, catalog.Calibration(spec));
        var request = new GenerationRequest
        {
            Prompt = FashionMnistClasses.Names[0],
            Steps = o.Steps ?? spec.Steps,
            Guidance = spec.Guidance,
            Shift = spec.Shift,
            LatentShape = (long[])spec.LatentShape.Clone(),
            BatchBranches = true,
        };
        RuntimeSettings.EnsureWritableDirectory(o.OutDir);
        int threads = RuntimeSettings.ApplyThreads(o.Threads);
        var test = FashionMnist.Load(o.DataDirectory, "t10k");
        if (o.ClassifierCheckImages is { } check && check > test.Count)
            throw new ArgumentException($"classifier check images ({check}) exceed the test split ({test.Count})");
        var classifier = FrameClassifier.Load(classifierPath);
        LoadedModel? loaded = null;
        try
        {
            loaded = catalog.Load(spec, LoadOptions.CpuFloat32);
            var descriptor = loaded.Model.Describe(request.LatentShape);
            jano.Validate(descriptor, request.Steps, [GuidanceBranch.Cond, GuidanceBranch.Uncond]);
            return new EvalJob(o, loaded, classifier, classifierPath, test, jano, request, samples, threads);
        }
        catch
        {
            loaded?.Dispose();
            classifier.Dispose();
            throw;
        }
    }

    /// <summary>Runs the evaluation and writes eval.json, eval.md, samples.png and levels.png. <paramref name="onProgress"/>
    /// gets (phase, done, total).</summary>
    public EvalReport Run(Action<string, int, int>? onProgress = null, CancellationToken cancel = default)
    {
        var wall = Stopwatch.StartNew();
        var spec = _loaded.Spec;
        int frames = spec.Frames, k = _samples, classes = FashionMnistClasses.Names.Count;
        const int dim = FrameClassifier.FeatureDim, plane = FrameSet.Plane;

        onProgress?.Invoke("classifier check", 0, 1);
        var (classifierAcc, checkFrames) = CheckClassifier(frames);
        onProgress?.Invoke("real reference", 0, 1);
        var (realA, realB) = RealReference(frames, k);

        var pipeline = _loaded.Pipeline;
        var none = new NoAccelerator();
        using (pipeline.Generate(_request with { Steps = Math.Min(3, _request.Steps), Prompt = FashionMnistClasses.Names[0] }, none, cancel: cancel)) { }

        int total = classes * k;
        var fullFeatures = new float[(long)total * frames * dim];
        var janoFeatures = new float[(long)total * frames * dim];
        var samples = new List<EvalSampleResult>(total);
        var gridRows = new List<IReadOnlyList<Frame8>>();
        var levelFigures = new List<Frame8>();
        int pairsShown = spec.IsVideo ? 1 : 4;
        int levelSamples = spec.IsVideo ? 3 : classes;
        var clip = new float[frames * plane];
        for (int c = 0; c < classes; c++)
        {
            var row = new List<Frame8>();
            var rowJano = new List<Frame8>();
            for (int i = 0; i < k; i++)
            {
                cancel.ThrowIfCancellationRequested();
                long seed = SeedBase + 1000L * c + i;
                var request = _request with { Prompt = FashionMnistClasses.Names[c], Seed = seed };
                using var scope = NewDisposeScope();
                using var full = pipeline.Generate(request, none, cancel: cancel);
                using var jano = pipeline.Generate(request, _jano, cancel: cancel);
                int index = c * k + i;
                double hitFull = Classify(full.Latent, clip, fullFeatures, index * frames, c);
                double hitJano = Classify(jano.Latent, clip, janoFeatures, index * frames, c);
                var fullFrames = FrameConverter.ToFrames(full.Latent);
                var janoFrames = FrameConverter.ToFrames(jano.Latent);
                var fullRgb = FrameConverter.ToRgb(fullFrames);
                var janoRgb = FrameConverter.ToRgb(janoFrames);
                var whole = ImageQuality.Compare(janoRgb, fullRgb);
                var regions = fullRgb.Select(f => RegionQuality.ObjectRegion(f, _o.RegionThreshold, _o.RegionDilation)).ToArray();
                var region = RegionQuality.Compare(janoRgb, fullRgb, regions);
                var rep = jano.Accelerator;
                samples.Add(new EvalSampleResult
                {
                    Class = c,
                    Seed = seed,
                    HitFull = hitFull,
                    HitJano = hitJano,
                    Psnr = whole.Psnr ?? ImageQuality.IdenticalFramePsnr,
                    Ssim = whole.Ssim,
                    PsnrRegion = region.Psnr ?? (region.Identical ? ImageQuality.IdenticalFramePsnr : double.NaN),
                    SsimRegion = region.Ssim,
                    RegionCoverage = regions.Average(r => r.Count(b => b) / (double)r.Length),
                    LatencyFull = full.LatencySeconds,
                    LatencyJano = jano.LatencySeconds,
                    ComputedTokenFraction = jano.ComputedTokenFraction,
                    LevelFractions = rep.LevelFractions?.ToDictionary(kv => kv.Key, kv => kv.Value),
                });
                if (i < pairsShown)
                {
                    row.AddRange(spec.IsVideo ? fullFrames : [fullFrames[0], janoFrames[0]]);
                    if (spec.IsVideo) rowJano.AddRange(janoFrames);
                }
                if (i == 0 && c < levelSamples && rep.TokenLevels is { } levels && rep.TokenGrid is { } grid)
                    levelFigures.Add(LevelMapRenderer.Montage(
                        LevelMapRenderer.Render(janoFrames, levels, grid, spec.Config.PatchSize, scale: 4), columns: frames));
            }
            row.AddRange(rowJano);
            gridRows.Add(row);
            onProgress?.Invoke("generate", c + 1, classes);
        }

        var files = new List<string>();
        var captions = FashionMnistClasses.Names.Select(n => spec.IsVideo ? $"{n}: full (left 8) | jano (right 8)" : $"{n}: full | jano pairs").ToArray();
        PngWriter.Write(Path.Combine(_o.OutDir, "samples.png"), ImageGrid.Compose(gridRows, gap: 2, upscale: 2, captions));
        files.Add("samples.png");
        if (levelFigures.Count > 0)
        {
            PngWriter.Write(Path.Combine(_o.OutDir, "levels.png"),
                LevelMapRenderer.Montage(levelFigures, columns: spec.IsVideo ? 1 : 5, gap: 4));
            files.Add("levels.png");
        }

        var perFull = new double[classes];
        var perJano = new double[classes];
        for (int c = 0; c < classes; c++)
        {
            perFull[c] = samples.Where(s => s.Class == c).Average(s => s.HitFull);
            perJano[c] = samples.Where(s => s.Class == c).Average(s => s.HitJano);
        }
        var withLevels = samples.Where(s => s.LevelFractions is not null).ToList();
        string[] levelNames = ["static", "moderate", "active"];
        var report = new EvalReport
        {
            Model = spec.Name,
            Weights = _loaded.WeightsSource,
            Classifier = _classifierPath,
            IsVideo = spec.IsVideo,
            ClassifierAccuracy = classifierAcc,
            ClassifierCheckFrames = checkFrames,
            SamplesPerClass = k,
            FramesPerSample = frames,
            Steps = _request.Steps,
            Guidance = _request.Guidance,
            Shift = _request.Shift,
            SeedBase = SeedBase,
            JanoOptions = _jano.Options.ToDictionary(kv => kv.Key, kv => kv.Value),
            ClassAccuracyFull = samples.Average(s => s.HitFull),
            ClassAccuracyJano = samples.Average(s => s.HitJano),
            ClassAccuracyFullPerClass = perFull,
            ClassAccuracyJanoPerClass = perJano,
            FrechetSetSize = total * frames,
            FeatureDim = dim,
            FrechetFull = FrechetDistance.Between(fullFeatures, realA, dim),
            FrechetJano = FrechetDistance.Between(janoFeatures, realA, dim),
            FrechetFloor = FrechetDistance.Between(realB, realA, dim),
            Psnr = samples.Average(s => s.Psnr),
            Ssim = samples.Average(s => s.Ssim),
            PsnrRegion = MeanDefined(samples.Select(s => s.PsnrRegion)),
            SsimRegion = MeanDefined(samples.Select(s => s.SsimRegion)),
            RegionCoverage = samples.Average(s => s.RegionCoverage),
            RegionThreshold = _o.RegionThreshold,
            RegionDilation = _o.RegionDilation,
            LevelFractionsMean = levelNames.ToDictionary(n => n,
                n => withLevels.Count == 0 ? double.NaN : withLevels.Average(s => s.LevelFractions!.GetValueOrDefault(n))),
            AllThreeLevelsFraction = samples.Count(s => s.LevelFractions is { } lf && levelNames.All(n => lf.GetValueOrDefault(n) > 0)) / (double)samples.Count,
            MeanSpeedup = samples.Average(s => s.LatencyFull / s.LatencyJano),
            MeanComputedTokenFraction = samples.Average(s => s.ComputedTokenFraction),
            MeanLatencyFull = samples.Average(s => s.LatencyFull),
            MeanLatencyJano = samples.Average(s => s.LatencyJano),
            Threads = _threads,
            Seconds = wall.Elapsed.TotalSeconds,
            Version = RuntimeSettings.Version,
            Samples = samples,
            Files = files,
        };
        files.Add("eval.json");
        files.Add("eval.md");
        AtomicFile.WriteAllText(Path.Combine(_o.OutDir, "eval.json"), JsonSerializer.Serialize(report, ReportJson.Options));
        AtomicFile.WriteAllText(Path.Combine(_o.OutDir, "eval.md"), Markdown(report));
        return report;
    }

    // Classifies the frames of a generated latent [1, T, H, W] (clamped to [-1, 1]), stores their features at
    // frame offset `at`, returns the fraction assigned to `label`.
    private double Classify(Tensor latent, float[] buffer, float[] features, int at, int label)
    {
        using (var clamped = latent.detach().to(ScalarType.Float32).clamp(-1.0, 1.0).contiguous())
            clamped.data<float>().CopyTo(buffer);
        int frames = buffer.Length / FrameSet.Plane;
        var result = _classifier.Classify(buffer, frames);
        result.Features.CopyTo(features, (long)at * FrameClassifier.FeatureDim);
        return result.Predicted.Count(p => p == label) / (double)frames;
    }

    private (double Accuracy, int Frames) CheckClassifier(int frames)
    {
        FrameSet set;
        if (_loaded.Spec.IsVideo)
            set = FrameSet.FromClips(new ClipSource(_test, frames), _o.CeilingClipsPerClass, CeilingSeed);
        else
            set = FrameSet.FromImages(_test, Enumerable.Range(0, _o.ClassifierCheckImages ?? _test.Count).ToArray());
        return (_classifier.Classify(set.Pixels, set.Count).Accuracy(set.Labels), set.Count);
    }

    // Two disjoint real test sets of k samples per class (features, row-major [k·10·frames, 64]). Images: two disjoint
    // groups of k test images per class after a seeded shuffle. Video: k clips per class built from the even-indexed
    // and from the odd-indexed test items respectively (so no item appears in both).
    private (float[] A, float[] B) RealReference(int frames, int k)
    {
        FrameSet a, b;
        if (_loaded.Spec.IsVideo)
        {
            var even = _test.Subset(Enumerable.Range(0, _test.Count).Where(i => i % 2 == 0).ToArray());
            var odd = _test.Subset(Enumerable.Range(0, _test.Count).Where(i => i % 2 == 1).ToArray());
            a = FrameSet.FromClips(new ClipSource(even, frames), k, ReferenceSeed);
            b = FrameSet.FromClips(new ClipSource(odd, frames), k, ReferenceSeed + 500000);
        }
        else
        {
            var rng = new Random(ReferenceSeed);
            var first = new List<int>();
            var second = new List<int>();
            foreach (var pool in _test.ByClass())
            {
                var shuffled = pool.ToArray();
                rng.Shuffle(shuffled);
                if (shuffled.Length < 2 * k) throw new ArgumentException($"a test class has {shuffled.Length} images; {2 * k} are needed");
                first.AddRange(shuffled.Take(k));
                second.AddRange(shuffled.Skip(k).Take(k));
            }
            a = FrameSet.FromImages(_test, first);
            b = FrameSet.FromImages(_test, second);
        }
        return (_classifier.Classify(a.Pixels, a.Count).Features, _classifier.Classify(b.Pixels, b.Count).Features);
    }

    private static double MeanDefined(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).ToArray();
        return v.Length == 0 ? double.NaN : v.Average();
    }

    private static string Markdown(EvalReport r)
    {
        string F(double v, string format = "F2") => v.ToString(format, CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"# jano eval: {r.Model}");
        sb.AppendLine();
        sb.AppendLine("```");
        foreach (var line in r.SummaryLines()) sb.AppendLine(line);
        sb.AppendLine("```");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"- weights: {r.Weights}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- classifier: {r.Classifier} ({(r.IsVideo ? "ceiling" : "test acc")} over {r.ClassifierCheckFrames} real frames)");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- {r.SamplesPerClass} samples per class x {r.FramesPerSample} frame(s), {r.Steps} steps, guidance {F(r.Guidance, "G")}, shift {F(r.Shift, "G")}, seeds {r.SeedBase} + 1000·class + i, batch 1, {r.Threads} thread(s)");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- jano options: {string.Join(",", r.JanoOptions.Select(kv => $"{kv.Key}={kv.Value}"))}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- object region: full output grey > {F(r.RegionThreshold, "G")} in [0, 1], dilated by {r.RegionDilation} px");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- mean latency full {F(r.MeanLatencyFull, "F3")} s, jano {F(r.MeanLatencyJano, "F3")} s; eval took {F(r.Seconds, "F0")} s");
        sb.AppendLine();
        sb.AppendLine("| class | hit rate full | hit rate jano |");
        sb.AppendLine("|---|---|---|");
        for (int c = 0; c < r.ClassAccuracyFullPerClass.Length; c++)
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {FashionMnistClasses.Names[c]} | {F(r.ClassAccuracyFullPerClass[c])} | {F(r.ClassAccuracyJanoPerClass[c])} |");
        sb.AppendLine();
        sb.AppendLine("Figures: samples.png (one row per class, full vs jano), levels.png (jano token levels: blue static, amber moderate, red active).");
        sb.AppendLine("Definitions: docs/eval.md.");
        return sb.ToString();
    }

    public void Dispose()
    {
        _loaded.Dispose();
        _classifier.Dispose();
    }
}
