using System.Text.Json;
using System.Text.RegularExpressions;
using Jano.Core;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Jano.Engine.Output;
using Jano.Training.Classifier;
using TorchSharp;
using Xunit;

namespace Jano.Tests.Eval;

public sealed class EvalJobTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "jano-eval-job-" + Guid.NewGuid().ToString("N"));

    public EvalJobTests()
    {
        // A private assets folder: no model weights (seeded random DiT) and a random classifier.
        Directory.CreateDirectory(Path.Combine(_root, "assets", "classifiers"));
        torch.manual_seed(21);
        using var clf = new FrameClassifier();
        clf.Save(Path.Combine(_root, "assets", "classifiers", "fmnist-image.safetensors"));
    }

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static EvalOptions Tiny(string outDir) => new()
    {
        Model = "fmnist-image",
        Samples = 1,
        Steps = 6,
        OutDir = outDir,
        ClassifierCheckImages = 300,
    };

    [Fact]
    public void TinyRunWritesEveryField()
    {
        if (!EvalClassifierTests.DatasetInstalled) return;
        var outDir = Path.Combine(_root, "out");
        var catalog = new ModelCatalog(Path.Combine(_root, "assets"));
        using var job = EvalJob.Prepare(Tiny(outDir), catalog);
        Assert.StartsWith("random", job.Pipeline.WeightsSource);
        var report = job.Run();

        var lines = report.SummaryLines();
        Assert.StartsWith("classifier test acc ", lines[0]);
        Assert.Matches(new Regex(@"^classifier test acc [01]\.\d\d$"), lines[0]);
        var first = lines.First(l => l.Contains("accuracy"));
        Assert.Matches(new Regex(@"^class accuracy full=[01]\.\d\d jano=[01]\.\d\d$"), first);
        Assert.Equal($"class accuracy full={report.ClassAccuracyFull:F2} jano={report.ClassAccuracyJano:F2}", first);

        foreach (var f in new[] { "eval.json", "eval.md", "samples.png", "levels.png" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        Assert.Contains(first, File.ReadAllLines(Path.Combine(outDir, "eval.md")));
        var grid = PngWriter.Read(Path.Combine(outDir, "samples.png"));
        Assert.True(grid.Width >= 2 * 64 && grid.Height >= 10 * 64);

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "eval.json")));
        var root = doc.RootElement;
        string[] fields =
        [
            "Model", "Weights", "Classifier", "ClassifierAccuracy", "ClassAccuracyFull", "ClassAccuracyJano", "ClassAccuracyFullPerClass",
            "ClassAccuracyJanoPerClass", "FrechetFull", "FrechetJano", "FrechetFloor", "FrechetSetSize", "FeatureDim", "Psnr", "Ssim",
            "PsnrRegion", "SsimRegion", "RegionCoverage", "LevelFractionsMean", "AllThreeLevelsFraction", "MeanSpeedup",
            "MeanComputedTokenFraction", "Steps", "Guidance", "Shift", "Samples", "Files",
        ];
        foreach (var f in fields) Assert.True(root.TryGetProperty(f, out _), f);
        Assert.Equal(10, root.GetProperty("Samples").GetArrayLength());
        Assert.Equal(10, root.GetProperty("FrechetSetSize").GetInt32());
        Assert.Equal(6, root.GetProperty("Steps").GetInt32());

        Assert.InRange(report.ClassifierAccuracy, 0, 1);
        Assert.Equal(300, report.ClassifierCheckFrames);
        Assert.InRange(report.ClassAccuracyFull, 0, 1);
        Assert.InRange(report.ClassAccuracyJano, 0, 1);
        Assert.Equal(report.ClassAccuracyFull, report.ClassAccuracyFullPerClass.Average(), 9);
        Assert.True(report.FrechetFull >= 0 && report.FrechetJano >= 0 && report.FrechetFloor >= 0);
        Assert.InRange(report.Ssim, -1, 1);
        Assert.True(report.Psnr > 0);
        double levelSum = report.LevelFractionsMean.Values.Sum();
        Assert.Equal(1.0, levelSum, 6);
        Assert.InRange(report.AllThreeLevelsFraction, 0, 1);
        Assert.True(report.MeanComputedTokenFraction is > 0 and <= 1, $"computed {report.MeanComputedTokenFraction}");
        Assert.All(report.Samples, s => Assert.Equal(1000L * s.Class, s.Seed));
    }

    [Fact]
    public void FullOnlyRunsNoJanoAndMatchesTheFullFiguresOfAJanoRun()
    {
        if (!EvalClassifierTests.DatasetInstalled) return;
        var catalog = new ModelCatalog(Path.Combine(_root, "assets"));
        EvalReport both, fullOnly;
        using (var job = EvalJob.Prepare(Tiny(Path.Combine(_root, "both")), catalog)) both = job.Run();
        var outDir = Path.Combine(_root, "full");
        using (var job = EvalJob.Prepare(Tiny(outDir) with { FullOnly = true }, catalog)) fullOnly = job.Run();

        Assert.True(fullOnly.FullOnly);
        Assert.Equal(both.ClassAccuracyFull, fullOnly.ClassAccuracyFull);
        Assert.Equal(both.FrechetFull, fullOnly.FrechetFull);
        Assert.Equal(both.Samples.Select(x => x.HitFull), fullOnly.Samples.Select(x => x.HitFull));
        Assert.All(fullOnly.Samples, x => Assert.True(double.IsNaN(x.HitJano) && double.IsNaN(x.LatencyJano) && x.LevelFractions is null));
        Assert.True(double.IsNaN(fullOnly.ClassAccuracyJano) && double.IsNaN(fullOnly.FrechetJano) && double.IsNaN(fullOnly.MeanSpeedup));
        Assert.Empty(fullOnly.JanoOptions);

        var lines = fullOnly.SummaryLines();
        Assert.Equal($"class accuracy full={fullOnly.ClassAccuracyFull:F2} jano=not run", lines.First(l => l.Contains("accuracy")));
        Assert.DoesNotContain(lines, l => l.Contains("NaN", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(outDir, "levels.png")));
        Assert.DoesNotContain("NaN", File.ReadAllText(Path.Combine(outDir, "eval.md")), StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "eval.json")));
        Assert.True(doc.RootElement.GetProperty("FullOnly").GetBoolean());
    }

    [Fact]
    public void ScenesModelEvaluatesEverySampleWithItsBackgroundMeasure()
    {
        // The scenes model: latent DiT (seeded random weights here) decoded by the shipped frame autoencoder, RGB 64x64
        // frames, a background reference built lazily during the first sample and used by every later one.
        if (!EvalClassifierTests.DatasetInstalled) return;
        var assets = Path.Combine(_root, "assets");
        var ae = Path.Combine(assets, "models", "scenes-video", "autoencoder");
        Directory.CreateDirectory(ae);
        foreach (var f in new[] { "model.safetensors", "config.json" })
            File.Copy(Path.Combine(EvalClassifierTests.RepoRoot, "assets", "models", "scenes-video", "autoencoder", f), Path.Combine(ae, f));
        torch.manual_seed(22);
        using (var clf = new FrameClassifier(3, 64)) clf.Save(Path.Combine(assets, "classifiers", "scenes-video-frames.safetensors"));
        var outDir = Path.Combine(_root, "scenes");
        using var job = EvalJob.Prepare(new EvalOptions
        {
            Model = "scenes-video", Samples = 1, Steps = 2, OutDir = outDir, FullOnly = true, CeilingClipsPerClass = 1,
        }, new ModelCatalog(assets));
        var report = job.Run();
        Assert.Equal(10, report.Samples.Count);
        Assert.True(report.BackgroundPsnrFull is > 0 and < 100, $"{report.BackgroundPsnrFull}");
        Assert.True(File.Exists(Path.Combine(outDir, "samples.png")));
    }

    [Fact]
    public void BadInputIsAUsageException()
    {
        var outDir = Path.Combine(_root, "out-bad");
        var catalog = new ModelCatalog(Path.Combine(_root, "assets"));
        Assert.Throws<UsageException>(() => EvalJob.Prepare(Tiny(outDir) with { Samples = 0 }, catalog));
        Assert.Throws<UsageException>(() => EvalJob.Prepare(Tiny(outDir) with { Model = "nope" }, catalog));
        var missing = Assert.Throws<UsageException>(() => EvalJob.Prepare(Tiny(outDir) with { Model = "fmnist-video" }, catalog));
        Assert.Contains("train-classifier", missing.Message);
    }
}
