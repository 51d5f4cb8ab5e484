using Jano.Acceleration.JanoMethod;
using Jano.Core.Acceleration;
using Jano.Core.Options;
using TorchSharp;
using Xunit;

namespace Jano.Tests.Pipeline;

[Collection("Sequential")]
public class PipelineJanoTests
{
    private static JanoAccelerator Jano(string options) =>
        new(new JanoOptions().With(OptionList.Parse("warmup_steps=3,cooldown_steps=2,static_interval=4,medium_interval=2,analyze_block_size=1x2x2,t_weight=0.5,d_distance=1," + options)));

    // (a) a schedule of only full steps (static_interval = 0) gives output bit-identical to plain sampling
    [Fact]
    public void AllFullStepScheduleIsBitIdenticalToPlainSampling()
    {
        using var rig = new PipelineTestRig();
        using var plain = rig.Pipeline.Generate(PipelineTestRig.Request(), new NoAccelerator());
        using var jano = rig.Pipeline.Generate(PipelineTestRig.Request(), Jano("static_interval=0"));
        Assert.True(TestModels.BitEqual(plain.Latent, jano.Latent));
        Assert.All(jano.Steps, s => Assert.Equal("full", s.Level));
        Assert.Equal(1.0, jano.ComputedTokenFraction, 12);
    }

    [Fact]
    public void JanoRunFollowsTheScheduleSkipsTokensAndStaysClose()
    {
        using var rig = new PipelineTestRig();
        using var plain = rig.Pipeline.Generate(PipelineTestRig.Request(), new NoAccelerator());
        using var jano = rig.Pipeline.Generate(PipelineTestRig.Request(), Jano("static_thresh=0.3,medium_thresh=0.6"));
        var expected = InterleavedSchedule.All(12, Jano("").JanoOptions).Select(l => l == 0 ? "full" : $"L{l}");
        Assert.Equal(expected, jano.Steps.Select(s => s.Level));
        Assert.Equal("analysis", jano.Steps[2].Note);
        Assert.NotNull(jano.Accelerator.LevelFractions);
        Assert.True(jano.ComputedTokenFraction < 1.0);
        Assert.False(TestModels.BitEqual(plain.Latent, jano.Latent));
        Assert.True(TestModels.MaxAbsDiff(plain.Latent, jano.Latent) < 5.0);
        // level-1 steps compute exactly the active tokens of both branches
        int active = jano.Accelerator.TokenLevels!.Count(l => l == 3);
        Assert.All(jano.Steps.Where(s => s.Level == "L1"), s => Assert.Equal(2L * active, s.TokensComputed));
    }

    [Fact]
    public void BatchedAndSequentialBranchesAgree()
    {
        using var rig = new PipelineTestRig();
        using var batched = rig.Pipeline.Generate(PipelineTestRig.Request(batched: true), Jano(""));
        using var sequential = rig.Pipeline.Generate(PipelineTestRig.Request(batched: false), Jano(""));
        Assert.True(TestModels.MaxAbsDiff(batched.Latent, sequential.Latent) < 1e-4);
        Assert.Equal(batched.Steps.Select(s => s.TokensComputed), sequential.Steps.Select(s => s.TokensComputed));
    }

    // (f) same seed twice: bit-equal; another seed: different
    [Fact]
    public void SameSeedIsBitEqualAndAnotherSeedDiffers()
    {
        using var rig = new PipelineTestRig();
        using var a = rig.Pipeline.Generate(PipelineTestRig.Request(seed: 5), Jano(""));
        using var b = rig.Pipeline.Generate(PipelineTestRig.Request(seed: 5), Jano(""));
        using var c = rig.Pipeline.Generate(PipelineTestRig.Request(seed: 6), Jano(""));
        Assert.True(TestModels.BitEqual(a.Latent, b.Latent));
        Assert.False(TestModels.BitEqual(a.Latent, c.Latent));
    }

    // (g) many generations in one process leave the live tensor count flat
    [Fact]
    public void ManyGenerationsLeaveTheLiveTensorCountFlat()
    {
        using var rig = new PipelineTestRig();
        var jano = Jano("");
        void Once()
        {
            using var r1 = rig.Pipeline.Generate(PipelineTestRig.Request(steps: 10), jano);
            using var r2 = rig.Pipeline.Generate(PipelineTestRig.Request(steps: 10), new NoAccelerator());
        }
        Once(); // builds lazily-cached tables (RoPE)
        var stats = DisposeScopeManager.Statistics;
        long before = stats.ThreadTotalLiveCount;
        for (int i = 0; i < 5; i++) Once();
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.Equal(before, after);
    }
}
