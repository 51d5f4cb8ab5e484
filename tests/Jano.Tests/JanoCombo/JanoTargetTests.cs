using Jano.Acceleration.JanoMethod;
using Jano.Core.Acceleration;
using Jano.Core.Options;
using Jano.Tests.Pipeline;
using Xunit;

namespace Jano.Tests.Combo;

[Collection("Sequential")]
public class JanoTargetTests
{
    private static float[] SeededScores(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)Math.Pow(rng.NextDouble(), 1.5)).ToArray();
    }

    /// <summary>Independent cost model: full steps cost 1, a level-1/2 step overhead + (1 − overhead)·computed share.</summary>
    private static double Speedup(float[] scores, double st, double md, int steps, JanoOptions o)
    {
        double active = scores.Count(s => s > (float)md) / (double)scores.Length;
        double nonStatic = scores.Count(s => s > (float)st) / (double)scores.Length;
        double cost = 0;
        for (int t = 1; t <= steps; t++)
        {
            int level = InterleavedSchedule.StepLevel(t, steps, o);
            cost += level switch
            {
                1 => o.Overhead + (1 - o.Overhead) * active,
                2 => o.Overhead + (1 - o.Overhead) * nonStatic,
                _ => 1,
            };
        }
        return steps / cost;
    }

    [Theory]
    [InlineData(1.2, 1)]
    [InlineData(1.5, 2)]
    [InlineData(2.0, 3)]
    [InlineData(1.8, 4)]
    public void JanoTargetSpeedupThresholdsPredictWithinTenPercent(double target, int seed)
    {
        var scores = SeededScores(600, seed);
        var o = new JanoOptions().With(OptionList.Parse($"target_speedup={target}"));
        var (st, md, predicted) = ThresholdTargeting.ForSpeedup(scores, 50, o, target);
        Assert.True(st <= md);
        double independent = Speedup(scores, st, md, 50, o);
        Assert.Equal(independent, predicted, 9);
        Assert.InRange(independent, target * 0.9, target * 1.1);
    }

    [Fact]
    public void JanoTargetOverheadChangesTheChoice()
    {
        var scores = SeededScores(600, 5);
        var lean = new JanoOptions { Overhead = 0.0 };
        var heavy = new JanoOptions { Overhead = 0.3 };
        var a = ThresholdTargeting.ForSpeedup(scores, 50, lean, 1.8);
        var b = ThresholdTargeting.ForSpeedup(scores, 50, heavy, 1.8);
        Assert.InRange(Speedup(scores, a.Static, a.Medium, 50, lean), 1.62, 1.98);
        Assert.InRange(Speedup(scores, b.Static, b.Medium, 50, heavy), 1.62, 1.98);
        // a heavier fixed cost needs more skipping for the same speedup
        Assert.True(ThresholdTargeting.Shares(scores, b.Static, b.Medium).Active < ThresholdTargeting.Shares(scores, a.Static, a.Medium).Active);
    }

    [Theory]
    [InlineData("target_speedup=2,static_thresh=0.3", "target_speedup and static_thresh are mutually exclusive: give a target or explicit thresholds, not both")]
    [InlineData("medium_thresh=0.5,target_speedup=2", "target_speedup and medium_thresh are mutually exclusive: give a target or explicit thresholds, not both")]
    [InlineData("target_psnr=30,static_thresh=0.3", "target_psnr and static_thresh are mutually exclusive: give a target or explicit thresholds, not both")]
    [InlineData("target_speedup=2,target_psnr=30", "target_speedup and target_psnr are mutually exclusive: give one target")]
    [InlineData("target_speedup=0.5", "target_speedup (0.5) must be at least 1")]
    public void JanoTargetExclusivityAndRangeErrors(string text, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => new JanoOptions().With(OptionList.Parse(text)));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void JanoTargetLaterLayerWins()
    {
        // a model preset's explicit thresholds are replaced by a user's target, and vice versa
        var preset = new JanoOptions().With(OptionList.Parse("static_thresh=0.2,medium_thresh=0.5"));
        Assert.Equal(1.5, preset.With(OptionList.Parse("target_speedup=1.5")).TargetSpeedup);
        Assert.Null(preset.With(OptionList.Parse("target_speedup=1.5")).With(OptionList.Parse("static_thresh=0.1")).TargetSpeedup);
        Assert.Contains(new KeyValuePair<string, string>("target_speedup", "1.5"), preset.With(OptionList.Parse("target_speedup=1.5")).ToPairs());
    }

    [Fact]
    public void JanoTargetOneYieldsNoSkipping()
    {
        var scores = SeededScores(300, 7);
        var o = new JanoOptions().With(OptionList.Parse("target_speedup=1"));
        var (st, md, predicted) = ThresholdTargeting.ForSpeedup(scores, 50, o, 1.0);
        var shares = ThresholdTargeting.Shares(scores, st, md);
        Assert.Equal(0.0, shares.Static);
        Assert.Equal(0.0, shares.Medium);
        Assert.Equal(1.0, predicted);

        using var rig = new PipelineTestRig();
        var jano = new JanoAccelerator(new JanoOptions().With(OptionList.Parse(
            "warmup_steps=3,cooldown_steps=2,static_interval=4,medium_interval=2,analyze_block_size=1x2x2,t_weight=0.5,d_distance=1,target_speedup=1")));
        using var run = rig.Pipeline.Generate(PipelineTestRig.Request(), jano);
        Assert.Equal(1.0, run.ComputedTokenFraction, 12);
        Assert.Contains(run.Accelerator.Notes, n => n.StartsWith("target_speedup 1: chose", StringComparison.Ordinal) && n.Contains("predicted speedup 1.000"));
    }

    [Fact]
    public void JanoTargetSpeedupInAPipelineSkipsAndReportsTheChoice()
    {
        using var rig = new PipelineTestRig();
        var jano = new JanoAccelerator(new JanoOptions().With(OptionList.Parse(
            "warmup_steps=3,cooldown_steps=2,static_interval=4,medium_interval=2,analyze_block_size=1x2x2,t_weight=0.5,d_distance=1,target_speedup=1.3")));
        using var run = rig.Pipeline.Generate(PipelineTestRig.Request(), jano);
        Assert.True(run.ComputedTokenFraction < 1.0);
        Assert.Contains(run.Accelerator.Notes, n => n.StartsWith("target_speedup 1.3: chose static_thresh", StringComparison.Ordinal));
    }

    [Fact]
    public void JanoTargetPsnrIsMonotoneAndConservative()
    {
        var scores = SeededScores(600, 9);
        var o = new JanoOptions();
        double last = double.PositiveInfinity;
        foreach (var psnr in new[] { 20.0, 25.0, 30.0, 35.0 })
        {
            var (st, md, predicted) = ThresholdTargeting.ForPsnr(scores, 50, o, psnr);
            double skipped = ThresholdTargeting.SkippedFraction(50, o, ThresholdTargeting.Shares(scores, st, md));
            Assert.True(ThresholdTargeting.PredictedPsnr(skipped) >= psnr);
            Assert.True(predicted <= last + 1e-12);
            last = predicted;
        }
        Assert.Equal(1.0, ThresholdTargeting.ForPsnr(scores, 50, o, 70).Predicted);
        for (double s = 0; s < 1; s += 0.05)
            Assert.True(ThresholdTargeting.PredictedPsnr(s + 0.05) < ThresholdTargeting.PredictedPsnr(s));
    }
}
