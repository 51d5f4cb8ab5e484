using Jano.Acceleration.JanoMethod;
using Jano.Core.Acceleration;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Jano.Tests.Wan;

/// <summary>Jano's subset forward (token gather, frozen K/V cache, output buffer) on the tiny Wan model.</summary>
public class WanJanoSubsetForwardTests(ITestOutputHelper log)
{
    private const string Io = "dit-tiny-io.safetensors";

    // One input, levels 3 then 2 then 1: with unchanged inputs every computed row (and every row filled from the
    // buffer) must equal the full forward — cache writes, concat order and RoPE positions of the subset.
    [Fact]
    public void LevelThreeThenTwoThenOneMatchTheFullForwardOnTheSameInput()
    {
        using var _ = torch.no_grad();
        using var model = WanFixtures.TinyModel();
        var d = model.Describe(WanFixtures.TinyLatent);
        Assert.Equal(48, d.TokenCount);
        using var x = WanFixtures.Read(Io, "input.x");
        using var t = WanFixtures.Read(Io, "input.t");
        using var c = WanFixtures.Read(Io, "input.context");
        using var full = model.Forward(x, t, c, NullHooks.Instance);
        var levels = TestModels.Levels(d.TokenCount, 11);
        using var partition = new TokenPartition(levels, CPU);
        using var cache = new FrozenKvCache();
        using var buffer = new OutputBuffer();
        foreach (var level in new[] { 3, 2, 1 })
        {
            var hooks = new JanoHooks(level, partition, cache, buffer, "Cond,Uncond");
            using var y = model.Forward(x, t, c, hooks);
            int expectedRows = level switch { 3 => levels.Length, 2 => levels.Count(l => l > 1), _ => levels.Count(l => l == 3) };
            Assert.Equal(expectedRows, hooks.LastSelected);
            float diff = TestModels.MaxAbsDiff(full, y);
            log.WriteLine($"level {level}: {hooks.LastSelected} rows, max abs diff {diff:E2}");
            Assert.True(diff < 1e-5, $"level {level}: max diff {diff}");
        }
        Assert.True(cache.Bytes > 0);
    }

    // The subset path really drops frozen K/V when the cache is wrong: a level-1 step on a new latent differs from the
    // full forward on it (otherwise the test above could pass with a model that ignores the seam).
    [Fact]
    public void CheapStepOnANewLatentUsesTheStaleCache()
    {
        using var _ = torch.no_grad();
        using var model = WanFixtures.TinyModel();
        var d = model.Describe(WanFixtures.TinyLatent);
        using var x = WanFixtures.Read(Io, "input.x");
        using var x2 = x.mul(0.5);
        using var t = WanFixtures.Read(Io, "input.t");
        using var c = WanFixtures.Read(Io, "input.context");
        using var partition = new TokenPartition(TestModels.Levels(d.TokenCount, 11), CPU);
        using var cache = new FrozenKvCache();
        using var buffer = new OutputBuffer();
        using (model.Forward(x, t, c, new JanoHooks(3, partition, cache, buffer, "Cond,Uncond"))) { }
        using var cheap = model.Forward(x2, t, c, new JanoHooks(1, partition, cache, buffer, "Cond,Uncond"));
        using var fresh = model.Forward(x2, t, c, NullHooks.Instance);
        Assert.True(TestModels.MaxAbsDiff(cheap, fresh) > 1e-3);
    }
}
