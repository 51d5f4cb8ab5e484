using Jano.Training;
using Xunit;

namespace Jano.Tests.Training;

public class StepSeedTests
{
    [Fact]
    public void StepSeedsAreFixedAcrossProcesses()
    {
        // values of the SplitMix64 mix computed independently (Python); a per-process hash would not match them
        Assert.Equal(2003370682, StepSeed.For(1, 0));
        Assert.Equal(1210887075, StepSeed.For(1, 1));
        Assert.Equal(1793686911, StepSeed.For(2, 0));
        Assert.Equal(1166220940, StepSeed.For(1, 1000));
        Assert.Equal(10_000, Enumerable.Range(0, 10_000).Select(s => StepSeed.For(7, s)).Distinct().Count());
    }
}
