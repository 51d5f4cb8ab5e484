using Jano.Acceleration.JanoMethod;
using Jano.Core.Acceleration;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Seam;

public class SeamNoOpTests
{
    [Fact]
    public void NullHooksPassThroughHooksAndJanoLevelZeroGiveBitIdenticalForwards()
    {
        using var _ = torch.no_grad();
        using var model = TestModels.TinyDit();
        using var x = TestModels.Randn(1, [2, .. TestModels.TinyLatent]);
        using var t = torch.tensor(new float[] { 700f, 700f });
        using var c = torch.tensor(new long[] { 3, 10 });
        using var plain = model.Forward(x, t, c, NullHooks.Instance);
        var recorder = new SeamPassThroughHooks();
        using var passThrough = model.Forward(x, t, c, recorder);
        using var cache = new FrozenKvCache(TestModels.CondUncond);
        using var buffer = new OutputBuffer(TestModels.CondUncond);
        using var level0 = model.Forward(x, t, c, new JanoHooks(0, null, cache, buffer, TestModels.CondUncond));
        Assert.True(TestModels.BitEqual(plain, passThrough));
        Assert.True(TestModels.BitEqual(plain, level0));
        Assert.Equal(0, cache.Bytes);
        // every seam point is called, in order
        Assert.Equal(["select", "stack", "Self0", "kvin0", "kv0", "Cross0", "mlp0", "Self1", "kvin1", "kv1", "Cross1", "mlp1", "compose"], recorder.Calls);
    }

    [Fact]
    public void ForwardDependsOnClassAndTimestep()
    {
        using var _ = torch.no_grad();
        using var model = TestModels.TinyDit();
        using var x = TestModels.Randn(1, [1, .. TestModels.TinyLatent]);
        using var a = model.Forward(x, torch.tensor(new float[] { 500f }), torch.tensor(new long[] { 1 }), NullHooks.Instance);
        using var b = model.Forward(x, torch.tensor(new float[] { 500f }), torch.tensor(new long[] { 2 }), NullHooks.Instance);
        using var c = model.Forward(x, torch.tensor(new float[] { 100f }), torch.tensor(new long[] { 1 }), NullHooks.Instance);
        Assert.Equal(x.shape, a.shape);
        Assert.True(TestModels.MaxAbsDiff(a, b) > 1e-4);
        Assert.True(TestModels.MaxAbsDiff(a, c) > 1e-4);
    }
}
