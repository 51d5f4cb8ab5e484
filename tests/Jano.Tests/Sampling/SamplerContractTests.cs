using Jano.Core;
using Jano.Core.Sampling;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Tests.Sampling;

/// <summary>The sampler contract: schedules (shift, Wan's UniPC, FLUX's resolution shift) apart from update rules (Euler,
/// UniPC), any rule on any schedule.</summary>
public class SamplerContractTests
{
    [Theory]
    [InlineData(1.0)]
    [InlineData(5.0)]
    public void ShiftScheduleIsTheFlowMatchScheduleWithTimestepsTimesAThousand(double shift)
    {
        var s = new ShiftSchedule(shift).Build(7, 123);
        Assert.Equal(FlowMatchSchedule.Sigmas(7, shift), s.Sigmas);
        Assert.Equal(s.Sigmas.Take(7).Select(x => x * 1000.0), s.Timesteps);
        Assert.Equal(shift == 1.0 ? "linear" : "shift 5", new ShiftSchedule(shift).Name);
        // shift 1 is linear: σ_i = 1 − i/N
        if (shift == 1.0)
            for (int i = 0; i <= 7; i++) Assert.Equal(1.0 - i / 7.0, s.Sigmas[i], 12);
    }

    [Fact]
    public void ResolutionShiftIsLinearInTokensFromHalfAt256To1_15At4096()
    {
        var flux = new ResolutionShiftSchedule();
        Assert.Equal(0.5, flux.Mu(256), 12);
        Assert.Equal(1.15, flux.Mu(4096), 12);
        Assert.Equal(0.5 + 0.65 * (1024 - 256) / 3840.0, flux.Mu(1024), 12);
        // σ' = e^mu / (e^mu + 1/σ − 1) on σ = 1, 0.75, 0.5, 0.25, 0 at 4096 tokens
        var s = flux.Build(4, 4096);
        double e = Math.Exp(1.15);
        double[] expected = [1.0, e / (e + 1.0 / 3.0), e / (e + 1.0), e / (e + 3.0), 0.0];
        for (int i = 0; i < 5; i++) Assert.Equal(expected[i], s.Sigmas[i], 12);
        Assert.Equal(0.90454, s.Sigmas[1], 4);
        Assert.Equal(s.Sigmas.Take(4).Select(x => x * 1000.0), s.Timesteps);
        // more tokens → more time at high noise
        var small = flux.Build(4, 256);
        for (int i = 1; i < 4; i++) Assert.True(s.Sigmas[i] > small.Sigmas[i]);
        Assert.Throws<ArgumentOutOfRangeException>(() => flux.Build(4, 0));
    }

    [Fact]
    public void UniPcScheduleStartsBelowOneWithTruncatedTimesteps()
    {
        var s = new UniPcSchedule(5.0).Build(50, 0);
        Assert.Equal(51, s.Sigmas.Count);
        Assert.Equal(0.0, s.Sigmas[50]);
        Assert.Equal(999.0, s.Timesteps[0]);
        Assert.All(s.Timesteps, t => Assert.Equal(Math.Truncate(t), t));
        Assert.True(s.Sigmas[0] < 1.0);
    }

    [Fact]
    public void EulerStepsAlongAnySchedule()
    {
        using var _ = torch.no_grad();
        using var x = TestModels.Randn(1, 2, 3);
        using var v = TestModels.Randn(2, 2, 3);
        foreach (ISigmaSchedule schedule in new ISigmaSchedule[] { new ShiftSchedule(3.0), new UniPcSchedule(5.0), new ResolutionShiftSchedule() })
        {
            var s = schedule.Build(5, 1024);
            using var run = new EulerRule().Start(s);
            using var next = run.Advance(v, 2, x);
            using var expected = x.Plus(v.mul(s.Sigmas[3] - s.Sigmas[2]));
            Assert.True(TestModels.MaxAbsDiff(expected, next) < 1e-6);
            Assert.Throws<ArgumentOutOfRangeException>(() => run.Advance(v, 5, x));
        }
    }

    [Fact]
    public void SchedulesAreCheckedAndSamplersAreNamed()
    {
        Assert.Throws<ArgumentException>(() => new SigmaSchedule([1.0, 0.5], [1000.0]));
        Assert.Throws<ArgumentException>(() => new SigmaSchedule([1.0, 0.0], [1000.0, 500.0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShiftSchedule(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShiftSchedule(2).Build(0, 1));
        Assert.Equal("unknown sampler 'ddim'; available: unipc, euler", Assert.Throws<UsageException>(() => Samplers.Create("ddim", 1)).Message);
        var euler = Samplers.Create("EULER", 2.0);
        Assert.Equal("euler", euler.Name);
        Assert.IsType<ShiftSchedule>(euler.Schedule);
        Assert.IsType<EulerRule>(euler.Rule);
        var uni = Samplers.Create("unipc", 5.0);
        Assert.IsType<UniPcSchedule>(uni.Schedule);
        Assert.IsType<UniPcRule>(uni.Rule);
        using var run = uni.Start(6, 10);
        Assert.Equal(new UniPcSchedule(5.0).Build(6, 10).Sigmas, run.Schedule.Sigmas);
    }
}
