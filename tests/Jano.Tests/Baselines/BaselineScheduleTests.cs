using Jano.Acceleration.Ras;
using Jano.Acceleration.TeaCache;
using Jano.Acceleration.ToCa;
using Jano.Core;
using Jano.Core.Acceleration;
using Jano.Core.Options;
using Jano.Engine.Bench;
using Jano.Tests.Pipeline;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Baselines;

/// <summary>Toys where each method's decisions are predictable: counted through the seam with <see cref="FlopCountingAccelerator"/>.</summary>
[Collection("Sequential")]
public class BaselineScheduleTests
{
    private static (GenerationResultView Result, FlopTally Tally) Run(string method, string options, bool batched = true)
    {
        using var rig = new PipelineTestRig();
        var tally = new FlopTally();
        using var r = rig.Pipeline.Generate(PipelineTestRig.Request(batched: batched), new FlopCountingAccelerator(BaselineCases.Create(method, options), tally));
        return (new GenerationResultView(r.Steps.Select(s => s.Level).ToArray(), r.Steps.Select(s => s.TokensComputed).ToArray(), r.Accelerator), tally);
    }

    public sealed record GenerationResultView(string[] Levels, long[] Tokens, AcceleratorReport Report);

    [Fact]
    public void TeaCacheWithAHugeThresholdSkipsEveryNonForcedStep()
    {
        var (r, tally) = Run("teacache", "rel_l1_thresh=1000");
        Assert.Equal(2, tally.StacksRun); // first and last step only (batched: one forward per step)
        Assert.Equal(2 * 2, tally.BlocksRun);
        Assert.Equal(new[] { "full" }.Concat(Enumerable.Repeat("cached", 10)).Append("full"), r.Levels);
        var (seq, seqTally) = Run("teacache", "rel_l1_thresh=1000", batched: false);
        Assert.Equal(4, seqTally.StacksRun);
    }

    [Fact]
    public void MagCacheWithUnitRatiosComputesOneStepInKPlusOne()
    {
        var (r, tally) = Run("magcache", "magcache_k=3,retention_ratio=0.2");
        // retention ⌊0.2·12⌋ = 2 steps, then 3 skips / 1 compute
        Assert.Equal(new[] { "full", "full", "cached", "cached", "cached", "full", "cached", "cached", "cached", "full", "cached", "cached" }, r.Levels);
        Assert.Equal(4, tally.StacksRun);
    }

    [Fact]
    public void EasyCacheWithAHugeThresholdReusesAfterWarmup()
    {
        var (r, tally) = Run("easycache", "thresh=1000");
        Assert.Equal(new[] { "full", "full", "full" }.Concat(Enumerable.Repeat("cached", 8)).Append("full"), r.Levels);
        Assert.Equal(4, tally.StacksRun);
    }

    [Fact]
    public void PabComputesAttentionOnItsRanges()
    {
        var (_, tally) = Run("pab", "self_range=3,cross_range=4");
        // full at i < 2 and i > 12 − 2; self at (i − 2) mod 3 = 0, cross at (i − 2) mod 4 = 0; 2 layers
        int self = new[] { 0, 1, 2, 5, 8, 11 }.Length * 2, cross = new[] { 0, 1, 2, 6, 10, 11 }.Length * 2;
        Assert.Equal(self, tally.AttentionRuns["Self"]);
        Assert.Equal(cross, tally.AttentionRuns["Cross"]);
        Assert.Equal(12 * 2, tally.BlocksRun);
    }

    [Fact]
    public void ToCaReusesSelfAttentionAndRecomputesTopTokensOfCrossAttention()
    {
        using var rig = new PipelineTestRig();
        var tally = new FlopTally();
        var toca = new ToCaAccelerator(new ToCaOptions().With(OptionList.Parse("fresh_ratio=0.25")));
        using var r = rig.Pipeline.Generate(PipelineTestRig.Request(), new FlopCountingAccelerator(toca, tally));
        Assert.Equal(6 * 2, tally.AttentionRuns["Self"]);   // i < 3 or i mod 3 = 0: 0,1,2,3,6,9
        Assert.Equal(12 * 2, tally.AttentionRuns["Cross"]); // every step: full or top-K
        // partial cross steps (not i < 3, not i mod 6 = 0): 8 steps × 2 layers × 2 rows × 12 tokens
        Assert.Contains(r.Accelerator.Notes, n => n.Contains($": {8 * 2 * 2 * 12} cross-attention", StringComparison.Ordinal));
    }

    [Fact]
    public void RasComputesTheSampledTokensOnRasStepsWithGlobalKeys()
    {
        var (r, tally) = Run("ras", "sample_ratio=0.5");
        var ras = new[] { 2, 3, 4, 5, 7, 8, 9 };
        for (int i = 0; i < 12; i++)
        {
            Assert.Equal(ras.Contains(i) ? "ras" : "full", r.Levels[i]);
            Assert.Equal(ras.Contains(i) ? 2 * 24 : 2 * 48, r.Tokens[i]);
        }
        // RAS steps: 24 queries see all 48 keys, so self-attention FLOPs are half a full step's, not a quarter
        var d = new TransformerDescriptor("dit", 2, 32, 2, TestModels.TinyLatent, (1, 2, 2), 2, 64);
        double perRowFull = FlopModel.FullForward(d);
        double perRowRas = 2 * (FlopModel.SelfAttention(d, 24, 48) + FlopModel.CrossAttention(d, 24) + FlopModel.Mlp(d, 24));
        Assert.Equal(2 * (5 * perRowFull + 7 * perRowRas), tally.Flops, 6);
    }

    [Fact]
    public void TeaCacheKeepsSeparateStatePerBranchAndComputesAllRowsWhenTheyDisagree()
    {
        using var noise = torch.zeros(TestModels.TinyLatent);
        var plan = new GenerationPlan(4, new double[5], [GuidanceBranch.Cond, GuidanceBranch.Uncond], noise);
        var model = new TransformerDescriptor("dit", 2, 32, 2, TestModels.TinyLatent, (1, 2, 2), 2, 64);
        var options = new TeaCacheOptions().With(OptionList.Parse("rel_l1_thresh=0.5"));
        using var x = torch.ones(1, 48, 32);
        using var probeA = torch.ones(1, 48, 32);
        using var probeB = torch.full([1, 48, 32], 5.0f);
        int runs = 0;
        Tensor Blocks(Tensor h) { runs++; return h.add(1); }

        // sequential branches: cond's probe stays, uncond's jumps → cond skips, uncond computes
        using (var s = new TeaCacheSession(options, model, plan))
        {
            s.BeginStep(new StepInfo(0, 4, 1, 0.75));
            s.Hooks([GuidanceBranch.Cond]).RunBlockStack(x, () => probeA, Blocks).Dispose();
            s.Hooks([GuidanceBranch.Uncond]).RunBlockStack(x, () => probeA, Blocks).Dispose();
            Assert.Equal(2, runs);
            s.BeginStep(new StepInfo(1, 4, 0.75, 0.5));
            using var cond = s.Hooks([GuidanceBranch.Cond]).RunBlockStack(x, () => probeA, Blocks);
            Assert.Equal(2, runs);
            Assert.True(TestModels.BitEqual(cond, x.add(1)));
            s.Hooks([GuidanceBranch.Uncond]).RunBlockStack(x, () => probeB, Blocks).Dispose();
            Assert.Equal(3, runs);
            Assert.Equal(0, s.Accumulated(GuidanceBranch.Cond)); // rel = 0
            Assert.Equal(0, s.Accumulated(GuidanceBranch.Uncond)); // computed → reset
        }

        // batched rows that disagree: both compute and both reset
        runs = 0;
        using (var s = new TeaCacheSession(options, model, plan))
        using (var x2 = torch.ones(2, 48, 32))
        using (var both = torch.cat([probeA, probeA], 0))
        using (var split = torch.cat([probeA, probeB], 0))
        {
            s.BeginStep(new StepInfo(0, 4, 1, 0.75));
            s.Hooks([GuidanceBranch.Cond, GuidanceBranch.Uncond]).RunBlockStack(x2, () => both, Blocks).Dispose();
            s.BeginStep(new StepInfo(1, 4, 0.75, 0.5));
            s.Hooks([GuidanceBranch.Cond, GuidanceBranch.Uncond]).RunBlockStack(x2, () => split, Blocks).Dispose();
            Assert.Equal(2, runs);
            s.BeginStep(new StepInfo(2, 4, 0.5, 0.25));
            s.Hooks([GuidanceBranch.Cond, GuidanceBranch.Uncond]).RunBlockStack(x2, () => split, Blocks).Dispose();
            Assert.Equal(2, runs); // both rows unchanged since step 1 → both skip
        }
    }

    [Fact]
    public void OptionErrorsNameTheKey()
    {
        var e1 = Assert.Throws<UsageException>(() => new TeaCacheOptions().With(OptionList.Parse("rel_l1_thresh=abc")));
        Assert.Equal("invalid value 'abc' for rel_l1_thresh: expected a number", e1.Message);
        var e2 = Assert.Throws<UsageException>(() => new RasOptions().With(OptionList.Parse("bogus=1")));
        Assert.StartsWith("unknown option 'bogus' for ras (valid: sample_ratio", e2.Message);
        var e3 = Assert.Throws<UsageException>(() => new ToCaOptions().With(OptionList.Parse("fresh_ratio=0")));
        Assert.Equal("fresh_ratio (0) must be in (0, 1]", e3.Message);
        Assert.Equal([2.39676752e3, -1.31110545e3, 2.01331979e2, -8.29855975, 1.37887774e-1],
            new TeaCacheOptions().With(OptionList.Parse("coefficients=wan2.1-1.3b")).Coefficients);
        Assert.Equal([1.0, 2.5], new TeaCacheOptions().With(OptionList.Parse("coefficients=1;2.5")).Coefficients);
        foreach (var name in new[] { "teacache", "magcache", "easycache", "pab", "toca", "ras" })
            Assert.Equal(name, Jano.Engine.Catalog.AcceleratorCatalog.Create(name, Jano.Engine.Catalog.ModelCatalog.Find("fmnist-video"), null, null).Name);
    }
}
