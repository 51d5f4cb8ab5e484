using Jano.Acceleration.JanoMethod;
using Jano.Core;
using Jano.Core.Acceleration;
using Jano.Core.Analysis;
using Jano.Core.Options;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.JanoMethod;

/// <summary>The oracle and random level maps: same level counts as the analyzer's, other blocks.</summary>
public class JanoMapSourceTests
{
    private static readonly TransformerDescriptor Model = new("toy", 2, 32, 2, [2, 2, 8, 8], (1, 2, 2), 2, 64);

    [Fact]
    public void RemapKeepsTheLevelCountsAndRanksByScore()
    {
        int[] levels = [3, 1, 2, 1, 3, 2, 1];
        double[] scores = [0.9, 0.1, 0.5, 0.8, 0.2, 0.3, 0.7];
        var remapped = LevelRemap.AtSameFractions(levels, scores);
        Assert.Equal(levels.Count(l => l == 1), remapped.Count(l => l == 1));
        Assert.Equal(levels.Count(l => l == 2), remapped.Count(l => l == 2));
        // lowest three scores (0.1, 0.2, 0.3) static, next two (0.5, 0.7) moderate, highest two active
        Assert.Equal([3, 1, 2, 3, 1, 1, 2], remapped);
        Assert.Throws<ArgumentException>(() => LevelRemap.AtSameFractions(levels, [1, 2]));
        Assert.Throws<ArgumentException>(() => LevelRemap.AtSameFractions([1, 2], [double.NaN, 1]));
    }

    [Fact]
    public void OptionsParseAndPrintTheMapSource()
    {
        var o = new JanoOptions().With(OptionList.Parse("map=random,map_seed=5"));
        Assert.Equal(JanoMapSource.Random, o.MapSource);
        Assert.Contains(o.ToPairs(), p => p.Key == "map" && p.Value == "random");
        Assert.Contains(o.ToPairs(), p => p.Key == "map_seed" && p.Value == "5");
        Assert.DoesNotContain(new JanoOptions().ToPairs(), p => p.Key == "map");
        var e = Assert.Throws<UsageException>(() => new JanoOptions().With(OptionList.Parse("map=best")));
        Assert.Contains("map", e.Message);
    }

    [Fact]
    public void OracleWithoutScoresIsRefusedBeforeTheRun()
    {
        var accel = new JanoAccelerator(new JanoOptions { WarmupSteps = 2, CooldownSteps = 1, AnalyzeBlockSize = (1, 2, 2), MapSource = JanoMapSource.Oracle });
        var e = Assert.Throws<UsageException>(() => accel.Validate(Model, 10, [GuidanceBranch.Cond]));
        Assert.Contains("oracle", e.Message);
        accel.WithBlockScores(new double[32]).Validate(Model, 10, [GuidanceBranch.Cond]);
    }

    [Fact]
    public void OracleAndRandomMapsKeepTheAnalyzersFractionsAndRandomIsSeeded()
    {
        var analyzer = Levels(new JanoOptions { WarmupSteps = 3, CooldownSteps = 1, AnalyzeBlockSize = (1, 2, 2), IncludeXt = false }, null);
        // grid 2x4x4 = 32 blocks; the oracle ranks by block index: the first blocks become static
        var oracleScores = Enumerable.Range(0, 32).Select(i => (double)i).ToArray();
        var oracle = Levels(new JanoOptions { WarmupSteps = 3, CooldownSteps = 1, AnalyzeBlockSize = (1, 2, 2), IncludeXt = false, MapSource = JanoMapSource.Oracle }, oracleScores);
        var random1 = Levels(new JanoOptions { WarmupSteps = 3, CooldownSteps = 1, AnalyzeBlockSize = (1, 2, 2), IncludeXt = false, MapSource = JanoMapSource.Random }, null);
        var random2 = Levels(new JanoOptions { WarmupSteps = 3, CooldownSteps = 1, AnalyzeBlockSize = (1, 2, 2), IncludeXt = false, MapSource = JanoMapSource.Random }, null);
        var random3 = Levels(new JanoOptions { WarmupSteps = 3, CooldownSteps = 1, AnalyzeBlockSize = (1, 2, 2), IncludeXt = false, MapSource = JanoMapSource.Random, MapSeed = 9 }, null);
        foreach (var map in new[] { oracle, random1, random3 })
            for (int level = 1; level <= 3; level++)
                Assert.Equal(analyzer.Count(l => l == level), map.Count(l => l == level));
        Assert.True(oracle.Zip(oracle.Skip(1)).All(p => p.First <= p.Second), "oracle levels must rise with the block score");
        Assert.Equal(random1, random2);
        Assert.NotEqual(random1, random3);
        Assert.NotEqual(analyzer, random1);
    }

    [Fact]
    public void VelocityChangeAveragesStepDifferencesPerBlock()
    {
        // 3 outputs [1, 1, 2, 4]; blocks 1x2x2 -> 2 blocks. Block 0 changes by 1 per step, block 1 by 0 then 3.
        var v = new List<Tensor>
        {
            torch.tensor(new float[] { 0, 0, 0, 0, 0, 0, 0, 0 }, [1, 1, 2, 4]),
            torch.tensor(new float[] { 1, 1, 0, 0, 1, 1, 0, 0 }, [1, 1, 2, 4]),
            torch.tensor(new float[] { 2, 2, 3, 3, 2, 2, 3, 3 }, [1, 1, 2, 4]),
        };
        try
        {
            Assert.Equal([1.0, 1.5], GroundTruth.VelocityChange(v, (1, 2, 2), 2, 3));
            Assert.Equal([1.0, 3.0], GroundTruth.VelocityChange(v, (1, 2, 2), 3, 3));
            Assert.Throws<ArgumentException>(() => GroundTruth.VelocityChange(v, (1, 2, 2), 3, 4));
        }
        finally
        {
            foreach (var t in v) t.Dispose();
        }
    }

    // Runs a session over 10 steps with distinct warm-up outputs and returns its per-block levels.
    private static int[] Levels(JanoOptions options, double[]? scores)
    {
        using var _ = torch.no_grad();
        using var noise = TestModels.Randn(3, Model.LatentShape);
        using var session = new JanoSession(options, Model, new GenerationPlan(10, new double[11], [GuidanceBranch.Cond], noise), scores);
        for (int i = 0; i < options.WarmupSteps; i++)
        {
            var step = new StepInfo(i, 10, 1 - i / 10.0, 1 - (i + 1) / 10.0);
            session.BeginStep(step);
            session.Hooks([GuidanceBranch.Cond]);
            using var v = TestModels.Randn(100 + i, Model.LatentShape);
            session.EndStep(step, v);
        }
        return session.Analysis!.Levels;
    }
}
