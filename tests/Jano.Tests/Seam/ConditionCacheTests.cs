using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using Jano.Tests.Wan;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Seam;

/// <summary>The run-scoped condition cache: what a model keeps (embedded context, cross-attention K/V per layer) gives
/// bit-identical velocities, is made once per run, and is freed with the cache.</summary>
public class ConditionCacheTests
{
    [Fact]
    public void DitForwardsWithTheCacheEqualForwardsWithoutItAndFillItOnce()
    {
        using var _ = torch.no_grad();
        using var model = TestModels.TinyDit();
        using var x = TestModels.Randn(3, [2, .. TestModels.TinyLatent]);
        using var classes = torch.tensor(new long[] { 4, 10 });
        using var cache = new ConditionCache();
        foreach (float step in new[] { 900f, 400f, 50f })
        {
            using var t = torch.tensor(new[] { step, step });
            using var plain = model.Forward(x, t, DiffusionCondition.ForClasses(classes), NullHooks.Instance);
            using var cached = model.Forward(x, t, DiffusionCondition.ForClasses(classes) with { Cache = cache }, NullHooks.Instance);
            Assert.True(TestModels.BitEqual(plain, cached), $"t = {step}");
            Assert.Equal(1 + TestModels.TinyConfig.NumLayers, cache.Count); // the embedded classes, then K/V per layer
        }
    }

    [Fact]
    public void WanForwardsWithTheCacheEqualForwardsWithoutIt()
    {
        using var _ = torch.no_grad();
        using var model = WanFixtures.TinyModel();
        using var x = WanFixtures.Read("dit-tiny-io.safetensors", "input.x");
        using var c = WanFixtures.Read("dit-tiny-io.safetensors", "input.context");
        using var cache = new ConditionCache();
        foreach (float step in new[] { 950f, 20f })
        {
            using var t = torch.tensor(new[] { step, step });
            using var plain = model.Forward(x, t, c, NullHooks.Instance);
            using var cached = model.Forward(x, t, DiffusionCondition.ForText(c) with { Cache = cache }, NullHooks.Instance);
            Assert.True(TestModels.BitEqual(plain, cached), $"t = {step}");
        }
        Assert.Equal(1 + WanFixtures.TinyConfig.NumLayers, cache.Count);
    }

    [Fact]
    public void EntriesAreMadeOnceOwnedByTheCacheAndFreedWithIt()
    {
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        int made = 0;
        var cache = new ConditionCache();
        var owner = new object();
        using (var scope = torch.NewDisposeScope())
        {
            var a = cache.GetOrAdd(owner, "k", () => { made++; return [torch.ones(3), torch.zeros(2)]; });
            var b = cache.GetOrAdd(owner, "k", () => { made++; return [torch.ones(1)]; });
            Assert.Same(a, b);
            cache.GetOrAdd(new object(), "k", () => { made++; return [torch.ones(1)]; }); // another owner, another entry
        }
        Assert.Equal(2, made);
        Assert.Equal(2, cache.Count);
        Assert.Equal(before + 3, DisposeScopeManager.Statistics.ThreadTotalLiveCount); // the scope did not free them
        cache.Dispose();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Throws<ObjectDisposedException>(() => cache.GetOrAdd(owner, "k", () => [torch.ones(1)]));
    }
}
