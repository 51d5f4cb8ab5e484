using Jano.Acceleration.JanoMethod;
using Xunit;

namespace Jano.Tests.JanoMethod;

public class InterleavedScheduleTests
{
    [Fact]
    public void WanScheduleMatchesTheAuthorsAssetCounts()
    {
        var levels = InterleavedSchedule.All(50, new JanoOptions());
        Assert.Equal(10, levels.Count(l => l == 0));
        Assert.Equal(7, levels.Count(l => l == 3));
        Assert.Equal(7, levels.Count(l => l == 2));
        Assert.Equal(26, levels.Count(l => l == 1));
        Assert.Equal([7, 13, 19, 25, 31, 37, 43], Enumerable.Range(1, 50).Where(t => levels[t - 1] == 3));
        Assert.Equal([10, 16, 22, 28, 34, 40, 46], Enumerable.Range(1, 50).Where(t => levels[t - 1] == 2));
        Assert.All(new[] { 1, 6, 47, 50 }, t => Assert.Equal(0, levels[t - 1]));
    }

    [Fact]
    public void FluxScheduleMatchesTheSpec()
    {
        var o = new JanoOptions { WarmupSteps = 7, CooldownSteps = 2, StaticInterval = 12, MediumInterval = 4 };
        var levels = InterleavedSchedule.All(50, o);
        Assert.Equal([8, 20, 32, 44], Enumerable.Range(1, 50).Where(t => levels[t - 1] == 3));
        Assert.Equal([12, 16, 24, 28, 36, 40, 48], Enumerable.Range(1, 50).Where(t => levels[t - 1] == 2));
        Assert.Equal(30, levels.Count(l => l == 1));
    }

    [Fact]
    public void ZeroIntervalMeansFullComputeEverywhere()
    {
        Assert.All(InterleavedSchedule.All(20, new JanoOptions { WarmupSteps = 2, CooldownSteps = 2, MediumInterval = 0 }), l => Assert.Equal(0, l));
    }
}
