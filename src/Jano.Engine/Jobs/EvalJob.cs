using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Jano.Core;
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
    private readonly ModelEntry _entry;
    private readonly IDiffusionPipeline _pipeline;
    private readonly FrameClassifier _classifier;
    private readonly string _classifierPath;
    private readonly IRealFrames _real;
    private readonly IAccelerator _jano;
    private readonly GenerationSettings _settings;
    private readonly int _samples;
    private readonly int _threads;

    private EvalJob(EvalOptions o, ModelEntry entry, IDiffusionPipeline pipeline, FrameClassifier classifier, string classifierPath, IRealFrames real,
        IAccelerator jano, GenerationSettings settings, int samples, int threads)
    {
        _o = o;
        _entry = entry;
        _pipeline = pipeline;
        _classifier = classifier;
        _classifierPath = classifierPath;
        _real = real;
        _jano = jano;
        _settings = settings;
        _samples = samples;
        _threads = threads;
    }

    public ModelEntry Entry => _entry;

    public IDiffusionPipeline Pipeline => _pipeline;

    public int SamplesPerClass => _samples;

    /// <summary>Settings of every sample (prompt and seed vary).</summary>
    public GenerationSettings Settings => _settings;

    private bool IsVideo => _settings.Frames > 1;

    /// <summary>Checks everything and loads the model, the classifier and the test split; bad input is an <see cref="ArgumentException"/>.
    /// Runs on any pipeline whose model has a classifier, Fashion-MNIST class prompts and frames of the classifier's shape.</summary>
    public static EvalJob Prepare(EvalOptions o, ModelCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(catalog);
        var entry = catalog.Resolve(o.Model);
        if (o.ClassifierPath is null && entry.Classifier is null)
            throw new UsageException($"model '{entry.Name}' has no evaluation classifier");
        if (entry.ClassNames is not { } names || !names.SequenceEqual(FashionMnistClasses.Names, StringComparer.Ordinal))
            throw new UsageException($"model '{entry.Name}' is not conditioned on the Fashion-MNIST classes; the eval classifier cannot judge it");
        int samples = o.Samples ?? entry.Classifier?.SamplesPerClass ?? 20;
        if (samples < 1) throw new UsageException($"--samples ({samples}) must be at least 1");
        if (entry.Defaults.Frames == 1 && samples > 500) throw new UsageException($"--samples ({samples}) must be at most 500 for images (the test split has 1000 per class, two disjoint real sets are drawn)");
        if (o.Steps is < 1) throw new UsageException($"--steps ({o.Steps}) must be at least 1");
        if (o.ClassifierCheckImages is < 1) throw new UsageException($"classifier check images ({o.ClassifierCheckImages}) must be at least 1");
        if (o.CeilingClipsPerClass < 1) throw new UsageException($"--ceiling-clips ({o.CeilingClipsPerClass}) must be at least 1");
        if (!(o.RegionThreshold is >= 0 and < 1)) throw new UsageException($"region threshold ({o.RegionThreshold}) must be in [0, 1)");
        if (o.RegionDilation < 0) throw new UsageException($"region dilation ({o.RegionDilation}) must not be negative");
        var classifierPath = o.ClassifierPath ?? entry.ClassifierPath!;
        if (!File.Exists(classifierPath))
            throw new UsageException($"no classifier at {classifierPath}; train it with `jano train-classifier --model {entry.Name}`");
        var jano = AcceleratorCatalog.Create("jano", entry, null, entry.LoadCalibration());
        var pipeline = entry.CreatePipeline(LoadOptions.CpuFloat32);
        FrameClassifier? classifier = null;
        try
        {
            var settings = pipeline.Resolve(new GenerationRequest
            {
                Prompt = names[0], Steps = o.Steps, Guidance = o.Guidance, Shift = o.Shift, BatchBranches = true,
            });
            classifier = FrameClassifier.Load(classifierPath);
            if (settings.Height != classifier.Side || settings.Width != classifier.Side || pipeline.OutputChannels != classifier.Channels)
                throw new UsageException($"model '{entry.Name}' does not make {classifier.Side}x{classifier.Side} frames of {classifier.Channels} channel(s); " +
                                         $"the eval classifier {classifierPath} cannot judge it");
            if (!o.FullOnly) pipeline.CheckAccelerator(settings, jano);   // a full-only sweep runs no Jano, at any step count
            RuntimeSettings.EnsureWritableDirectory(o.OutDir);
            int threads = RuntimeSettings.ApplyThreads(o.Threads);
            var real = (entry.Classifier ?? new EvalClassifier("", samples)).RealFrames(o.DataDirectory, settings.Frames);
            if (real.Channels != classifier.Channels || real.Side != classifier.Side)
                throw new UsageException($"the classifier {classifierPath} takes {classifier.Channels}x{classifier.Side}x{classifier.Side} frames; model '{entry.Name}''s real data has {real.Channels}x{real.Side}x{real.Side}");
            if (settings.Frames == 1 && real is FashionMnistFrames fm && o.ClassifierCheckImages is { } check && check > fm.Test.Count)
                throw new UsageException($"classifier check images ({check}) exceed the test split ({fm.Test.Count})");
            return new EvalJob(o, entry, pipeline, classifier, classifierPath, real, jano, settings, samples, threads);
        }
        catch
        {
            pipeline.Dispose();
            classifier?.Dispose();
            throw;
        }
    }

    /// <summary>Runs the evaluation and writes eval.json, eval.md, samples.png and levels.png. <paramref name="onProgress"/>
    /// gets (phase, done, total).</summary>
    public EvalReport Run(Action<string, int, int>? onProgress = null, CancellationToken cancel = default)
    {
        var wall = Stopwatch.StartNew();
        int frames = _settings.Frames, k = _samples;

        onProgress?.Invoke("classifier check", 0, 1);
        var (classifierAcc, checkFrames) = CheckClassifier();
        onProgress?.Invoke("real reference", 0, 1);
        var (realA, realB) = RealReference(k);

        var pipeline = _pipeline;
        var none = new NoAccelerator();
        var perClass = FashionMnistClasses.Names.Select(n => _settings with { Prompt = n }).ToArray();
        var conditions = pipeline.EncodeConditions(perClass, cancel: cancel);
        try
        {
            return Generate(pipeline, none, perClass, conditions, frames, k, wall, classifierAcc, checkFrames, realA, realB, onProgress, cancel);
        }
        finally
        {
            foreach (var c in conditions) c.Dispose();
        }
    }

    // Full and Jano generations of every class and sample, their classification and comparison, the figures and the report.
    private EvalReport Generate(IDiffusionPipeline pipeline, NoAccelerator none, GenerationSettings[] perClass, IReadOnlyList<EncodedCondition> conditions,
        int frames, int k, Stopwatch wall, double classifierAcc, int checkFrames, float[] realA, float[] realB,
        Action<string, int, int>? onProgress, CancellationToken cancel)
    {
        const int dim = FrameClassifier.FeatureDim;
        int plane = _classifier.Plane;
        int classes = perClass.Length;
        using (pipeline.Denoise(perClass[0] with { Steps = Math.Min(3, _settings.Steps) }, conditions[0], none, cancel: cancel)) { }

        int total = classes * k;
        var fullFeatures = new float[(long)total * frames * dim];
        var janoFeatures = new float[(long)total * frames * dim];
        var samples = new List<EvalSampleResult>(total);
        var gridRows = new List<IReadOnlyList<Frame8>>();
        var levelFigures = new List<Frame8>();
        int pairsShown = IsVideo ? 1 : 4;
        int levelSamples = IsVideo ? 3 : classes;
        var clip = new float[frames * plane];
        var background = _real as IBackgroundReference;
        var bgFull = new List<double>();
        var bgJano = new List<double>();
        for (int c = 0; c < classes; c++)
        {
            var row = new List<Frame8>();
            var rowJano = new List<Frame8>();
            for (int i = 0; i < k; i++)
            {
                cancel.ThrowIfCancellationRequested();
                long seed = SeedBase + 1000L * c + i;
                var settings = perClass[c] with { Seed = seed };
                using var scope = NewDisposeScope();
                using var full = pipeline.Denoise(settings, conditions[c], none, cancel: cancel);
                using var fullOut = pipeline.Decode(full.Latent);
                int index = c * k + i;
                double hitFull = Classify(fullOut, clip, fullFeatures, index * frames, c);
                if (background is not null) bgFull.Add(background.NearestBackgroundPsnr(clip, frames));   // `clip` holds full's frames
                var fullFrames = FrameConverter.ToFrames(fullOut);
                var fullRgb = FrameConverter.ToRgb(fullFrames);
                var regions = fullRgb.Select(f => RegionQuality.ObjectRegion(f, _o.RegionThreshold, _o.RegionDilation)).ToArray();
                double coverage = regions.Average(r => r.Count(b => b) / (double)r.Length);
                if (_o.FullOnly)
                {
                    samples.Add(new EvalSampleResult
                    {
                        Class = c, Seed = seed, HitFull = hitFull, HitJano = double.NaN, Psnr = double.NaN, Ssim = double.NaN,
                        PsnrRegion = double.NaN, SsimRegion = double.NaN, RegionCoverage = coverage,
                        LatencyFull = full.LatencySeconds, LatencyJano = double.NaN, ComputedTokenFraction = double.NaN, LevelFractions = null,
                    });
                    if (i < pairsShown) row.AddRange(IsVideo ? fullFrames : [fullFrames[0]]);
                    continue;
                }
                using var jano = pipeline.Denoise(settings, conditions[c], _jano, cancel: cancel);
                using var janoOut = pipeline.Decode(jano.Latent);
                double hitJano = Classify(janoOut, clip, janoFeatures, index * frames, c);
                if (background is not null) bgJano.Add(background.NearestBackgroundPsnr(clip, frames));
                var janoFrames = FrameConverter.ToFrames(janoOut);
                var janoRgb = FrameConverter.ToRgb(janoFrames);
                var whole = ImageQuality.Compare(janoRgb, fullRgb);
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
                    RegionCoverage = coverage,
                    LatencyFull = full.LatencySeconds,
                    LatencyJano = jano.LatencySeconds,
                    ComputedTokenFraction = jano.ComputedTokenFraction,
                    LevelFractions = rep.LevelFractions?.ToDictionary(kv => kv.Key, kv => kv.Value),
                });
                if (i < pairsShown)
                {
                    row.AddRange(IsVideo ? fullFrames : [fullFrames[0], janoFrames[0]]);
                    if (IsVideo) rowJano.AddRange(janoFrames);
                }
                if (i == 0 && c < levelSamples && rep.TokenLevels is { } levels && rep.TokenGrid is { } grid && pipeline.PixelsPerToken is { } pixels)
                    levelFigures.Add(LevelMapRenderer.Montage(
                        LevelMapRenderer.Render(janoFrames, levels, grid, pixels, scale: 4), columns: frames));
            }
            row.AddRange(rowJano);
            gridRows.Add(row);
            onProgress?.Invoke("generate", c + 1, classes);
        }

        var files = new List<string>();
        var captions = FashionMnistClasses.Names.Select(n => _o.FullOnly ? $"{n}: full compute"
            : IsVideo ? $"{n}: full (left {frames}) | jano (right {frames})" : $"{n}: full | jano pairs").ToArray();
        PngWriter.Write(Path.Combine(_o.OutDir, "samples.png"), ImageGrid.Compose(gridRows, gap: 2, upscale: 2, captions));
        files.Add("samples.png");
        if (levelFigures.Count > 0)
        {
            PngWriter.Write(Path.Combine(_o.OutDir, "levels.png"),
                LevelMapRenderer.Montage(levelFigures, columns: IsVideo ? 1 : 5, gap: 4));
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
            Model = _entry.Name,
            Weights = _pipeline.WeightsSource,
            Classifier = _classifierPath,
            IsVideo = IsVideo,
            ClassifierAccuracy = classifierAcc,
            ClassifierCheckFrames = checkFrames,
            SamplesPerClass = k,
            FramesPerSample = frames,
            Steps = _settings.Steps,
            Guidance = _settings.Guidance,
            Shift = _settings.Shift,
            SeedBase = SeedBase,
            JanoOptions = _o.FullOnly ? [] : _jano.Options.ToDictionary(kv => kv.Key, kv => kv.Value),
            FullOnly = _o.FullOnly,
            ClassAccuracyFull = samples.Average(s => s.HitFull),
            ClassAccuracyJano = samples.Average(s => s.HitJano),
            ClassAccuracyFullPerClass = perFull,
            ClassAccuracyJanoPerClass = perJano,
            FrechetSetSize = total * frames,
            FeatureDim = dim,
            FrechetFull = FrechetDistance.Between(fullFeatures, realA, dim),
            FrechetJano = _o.FullOnly ? double.NaN : FrechetDistance.Between(janoFeatures, realA, dim),
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
            AllThreeLevelsFraction = _o.FullOnly ? double.NaN : samples.Count(s => s.LevelFractions is { } lf && levelNames.All(n => lf.GetValueOrDefault(n) > 0)) / (double)samples.Count,
            MeanSpeedup = samples.Average(s => s.LatencyFull / s.LatencyJano),
            MeanComputedTokenFraction = samples.Average(s => s.ComputedTokenFraction),
            MeanLatencyFull = samples.Average(s => s.LatencyFull),
            MeanLatencyJano = samples.Average(s => s.LatencyJano),
            Threads = _threads,
            Seconds = wall.Elapsed.TotalSeconds,
            Version = RuntimeSettings.Version,
            BackgroundPsnrFull = background is null ? null : bgFull.Average(),
            BackgroundPsnrJano = background is null || _o.FullOnly ? null : bgJano.Average(),
            BackgroundPsnrHeldOut = background?.HeldOutBackgroundPsnr(k, ReferenceSeed + 1),
            Samples = samples,
            Files = files,
        };
        files.Add("eval.json");
        files.Add("eval.md");
        AtomicFile.WriteAllText(Path.Combine(_o.OutDir, "eval.json"), JsonSerializer.Serialize(report, ReportJson.Options));
        AtomicFile.WriteAllText(Path.Combine(_o.OutDir, "eval.md"), Markdown(report));
        return report;
    }

    // Classifies the decoded frames [C, T, H, W] of a generation (clamped to [-1, 1]; left in `buffer` as [T, C, H, W]),
    // stores their features at frame offset `at`, returns the fraction assigned to `label`.
    private double Classify(Tensor output, float[] buffer, float[] features, int at, int label)
    {
        using (var clamped = output.detach().to(ScalarType.Float32).clamp(-1.0, 1.0).permute(1, 0, 2, 3).contiguous()) // [T, C, H, W]
            clamped.data<float>().CopyTo(buffer);
        int frames = buffer.Length / _classifier.Plane;
        var result = _classifier.Classify(buffer, frames);
        result.Features.CopyTo(features, (long)at * FrameClassifier.FeatureDim);
        return result.Predicted.Count(p => p == label) / (double)frames;
    }

    private (double Accuracy, int Frames) CheckClassifier()
    {
        var set = _real.Ceiling(_o.CeilingClipsPerClass, _o.ClassifierCheckImages, CeilingSeed);
        return (_classifier.Classify(set.Pixels, set.Count).Accuracy(set.Labels), set.Count);
    }

    // Two disjoint real held-out sets of k samples per class (features, row-major [k·10·frames, 64]); see IRealFrames.
    private (float[] A, float[] B) RealReference(int k)
    {
        FrameSet a, b;
        try
        {
            (a, b) = _real.Reference(k, ReferenceSeed);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
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
        sb.AppendLine(r.FullOnly ? "- jano: not run (full compute only)"
            : string.Create(CultureInfo.InvariantCulture, $"- jano options: {string.Join(",", r.JanoOptions.Select(kv => $"{kv.Key}={kv.Value}"))}"));
        sb.AppendLine(CultureInfo.InvariantCulture, $"- object region: full output grey > {F(r.RegionThreshold, "G")} in [0, 1], dilated by {r.RegionDilation} px");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- mean latency full {F(r.MeanLatencyFull, "F3")} s{(r.FullOnly ? "" : $", jano {F(r.MeanLatencyJano, "F3")} s")}; eval took {F(r.Seconds, "F0")} s");
        sb.AppendLine();
        sb.AppendLine(r.FullOnly ? "| class | hit rate full |" : "| class | hit rate full | hit rate jano |");
        sb.AppendLine(r.FullOnly ? "|---|---|" : "|---|---|---|");
        for (int c = 0; c < r.ClassAccuracyFullPerClass.Length; c++)
            sb.AppendLine(r.FullOnly
                ? $"| {FashionMnistClasses.Names[c]} | {F(r.ClassAccuracyFullPerClass[c])} |"
                : $"| {FashionMnistClasses.Names[c]} | {F(r.ClassAccuracyFullPerClass[c])} | {F(r.ClassAccuracyJanoPerClass[c])} |");
        sb.AppendLine();
        sb.AppendLine(r.FullOnly ? "Figures: samples.png (one row per class, full compute)." : "Figures: samples.png (one row per class, full vs jano), levels.png (jano token levels: blue static, amber moderate, red active).");
        sb.AppendLine("Definitions: docs/eval.md.");
        return sb.ToString();
    }

    public void Dispose()
    {
        _pipeline.Dispose();
        _classifier.Dispose();
        (_real as IDisposable)?.Dispose();   // the scenes data keeps its rendered training backgrounds
    }
}
