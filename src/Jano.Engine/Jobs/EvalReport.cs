using System.Globalization;

namespace Jano.Engine.Jobs;

/// <summary>What <c>jano eval</c> measured (written as eval.json); <see cref="SummaryLines"/> is what the CLI prints.</summary>
public sealed class EvalReport
{
    public required string Model { get; init; }
    public required string Weights { get; init; }
    public required string Classifier { get; init; }
    public required bool IsVideo { get; init; }
    /// <summary>Image model: classifier accuracy on real test images. Video model: frame classifier accuracy on frames of
    /// clips built from the test split (the ceiling of class accuracy).</summary>
    public required double ClassifierAccuracy { get; init; }
    /// <summary>Frames behind <see cref="ClassifierAccuracy"/>.</summary>
    public required int ClassifierCheckFrames { get; init; }
    public required int SamplesPerClass { get; init; }
    public required int FramesPerSample { get; init; }
    public required int Steps { get; init; }
    public required double Guidance { get; init; }
    public required double Shift { get; init; }
    /// <summary>Seed of sample i of class c: <c>SeedBase + 1000·c + i</c>.</summary>
    public required long SeedBase { get; init; }
    public required Dictionary<string, string> JanoOptions { get; init; }
    /// <summary>Full compute only (<see cref="EvalOptions.FullOnly"/>): every Jano figure is NaN (or null) and not printed.</summary>
    public bool FullOnly { get; init; }

    /// <summary>Fraction of generated frames classified as the prompted class, full compute.</summary>
    public required double ClassAccuracyFull { get; init; }
    public required double ClassAccuracyJano { get; init; }
    public required double[] ClassAccuracyFullPerClass { get; init; }
    public required double[] ClassAccuracyJanoPerClass { get; init; }

    /// <summary>Frames in each set of a Fréchet distance (generated, real reference, real floor set).</summary>
    public required int FrechetSetSize { get; init; }
    public required int FeatureDim { get; init; }
    public required double FrechetFull { get; init; }
    public required double FrechetJano { get; init; }
    /// <summary>Fréchet distance between two disjoint real test sets of the same size.</summary>
    public required double FrechetFloor { get; init; }

    public required double Psnr { get; init; }
    public required double Ssim { get; init; }
    public required double PsnrRegion { get; init; }
    public required double SsimRegion { get; init; }
    public required double RegionCoverage { get; init; }
    public required double RegionThreshold { get; init; }
    public required int RegionDilation { get; init; }

    /// <summary>Mean token shares (static, moderate, active) of the Jano runs.</summary>
    public required Dictionary<string, double> LevelFractionsMean { get; init; }
    /// <summary>Fraction of samples whose Jano run had static, moderate and active tokens.</summary>
    public required double AllThreeLevelsFraction { get; init; }
    public required double MeanSpeedup { get; init; }
    public required double MeanComputedTokenFraction { get; init; }
    public required double MeanLatencyFull { get; init; }
    public required double MeanLatencyJano { get; init; }

    public required int Threads { get; init; }
    public required double Seconds { get; init; }
    public required string Version { get; init; }
    /// <summary>Mean nearest-training-background PSNR (dB) of the full-compute samples (models with a background set,
    /// <see cref="Jano.Training.Classifier.IBackgroundReference"/>); null otherwise.</summary>
    public double? BackgroundPsnrFull { get; init; }
    /// <summary>The same for Jano's samples.</summary>
    public double? BackgroundPsnrJano { get; init; }
    /// <summary>The same measure on real held-out clips (backgrounds never seen in training).</summary>
    public double? BackgroundPsnrHeldOut { get; init; }
    public required List<EvalSampleResult> Samples { get; init; }
    public required List<string> Files { get; init; }

    /// <summary>The headline lines. The classifier line comes first; the first line that contains "accuracy" is
    /// exactly <c>class accuracy full=0.xx jano=0.xx</c>.</summary>
    public IReadOnlyList<string> SummaryLines()
    {
        string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
        var levels = LevelFractionsMean;
        string classifier = IsVideo ? $"frame classifier ceiling {F(ClassifierAccuracy, "F2")}" : $"classifier test acc {F(ClassifierAccuracy, "F2")}";
        string[] background = BackgroundPsnrFull is { } bf
            ? [$"background: nearest training background psnr full={F(bf, "F2")}{(FullOnly ? "" : $" jano={F(BackgroundPsnrJano ?? double.NaN, "F2")}")} dB (real held-out clips {F(BackgroundPsnrHeldOut ?? double.NaN, "F2")} dB)"]
            : [];
        if (FullOnly)
            return
            [
                classifier,
                $"class accuracy full={F(ClassAccuracyFull, "F2")} jano=not run",
                $"frechet distance ({FeatureDim}-d classifier features, {FrechetSetSize} frames per set): full={F(FrechetFull, "F3")} floor={F(FrechetFloor, "F3")} (ratio {F(FrechetFull / FrechetFloor, "F2")})",
                .. background,
                "jano: not run (--full-only)",
            ];
        return
        [
            classifier,
            $"class accuracy full={F(ClassAccuracyFull, "F2")} jano={F(ClassAccuracyJano, "F2")}",
            $"frechet distance ({FeatureDim}-d classifier features, {FrechetSetSize} frames per set): full={F(FrechetFull, "F3")} jano={F(FrechetJano, "F3")} floor={F(FrechetFloor, "F3")}",
            $"jano vs full, whole frame: psnr={F(Psnr, "F2")} dB ssim={F(Ssim, "F4")}",
            $"jano vs full, object region: psnr={F(PsnrRegion, "F2")} dB ssim={F(SsimRegion, "F4")} (region = {F(100 * RegionCoverage, "F0")}% of pixels)",
            $"levels static/moderate/active: {F(levels.GetValueOrDefault("static"), "F2")}/{F(levels.GetValueOrDefault("moderate"), "F2")}/{F(levels.GetValueOrDefault("active"), "F2")}; all three levels in {F(AllThreeLevelsFraction, "F2")} of samples",
            $"jano speedup {F(MeanSpeedup, "F2")}x (mean over samples), computed token fraction {F(MeanComputedTokenFraction, "F3")}",
            .. background,
        ];
    }
}
