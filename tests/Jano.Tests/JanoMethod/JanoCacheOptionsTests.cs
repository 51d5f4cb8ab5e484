using Jano.Acceleration.JanoMethod;
using Jano.Core.Options;
using Jano.Tests.Pipeline;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Jano.Tests.JanoMethod;

/// <summary>Jano's cache options (cache_mode, cache_dtype, cache_device) on the tiny DiT, and their parsing.</summary>
[Collection("Sequential")]
public class JanoCacheOptionsTests(ITestOutputHelper log)
{
    private static JanoCacheRun RunDit(JanoCacheMode mode, ScalarType? dtype = null, Device? device = null)
    {
        using var _ = torch.no_grad();
        using var model = TestModels.TinyDit();
        var d = model.Describe(TestModels.TinyLatent);
        var xs = new[] { 21L, 22, 23 }.Select(s => TestModels.Randn(s, [2, .. TestModels.TinyLatent])).ToArray();
        var ts = new[] { 800f, 760f, 720f };
        using var c = torch.tensor(new long[] { 2, 10 });
        try
        {
            return JanoCacheRun.Run((i, hooks) =>
            {
                using var t = torch.tensor(new[] { ts[i], ts[i] });
                return model.Forward(xs[i], t, c, hooks);
            }, TestModels.Levels(d.TokenCount, 5), mode, dtype, device);
        }
        finally
        {
            foreach (var x in xs) x.Dispose();
        }
    }

    // Hidden mode recomputes frozen K/V from cached inputs: same output as K/V caching up to float rounding, on stale caches.
    [Fact]
    public void HiddenModeEqualsKvModeOnStaleCaches()
    {
        using var kv = RunDit(JanoCacheMode.Kv);
        using var hidden = RunDit(JanoCacheMode.Hidden);
        float diff = hidden.MaxAbsDiff(kv);
        log.WriteLine($"DiT hidden vs kv: max abs diff {diff:E2}; frozen bytes kv {kv.FrozenPeakBytes}, hidden {hidden.FrozenPeakBytes}");
        Assert.True(diff < 1e-4, $"max diff {diff}");
        // the level-1 output depends on the stale caches: it differs from a fresh full forward on that latent
        Assert.True(TestModels.MaxAbsDiff(kv.Outputs[2], hidden.Outputs[0]) > 1e-3);
    }

    // Exact bytes: 2 rows x 2 layers x (s + m) tokens x 32 wide x {K,V | x} x 4 bytes; the output buffer 2 x 48 x 8 x 4.
    [Fact]
    public void CacheBytesFollowTheFormula()
    {
        int frozen = TestModels.Levels(48, 5).Count(l => l < 3);
        using var kv = RunDit(JanoCacheMode.Kv);
        using var hidden = RunDit(JanoCacheMode.Hidden);
        using var kvBf16 = RunDit(JanoCacheMode.Kv, ScalarType.BFloat16);
        using var hiddenF16 = RunDit(JanoCacheMode.Hidden, ScalarType.Float16);
        Assert.Equal(2L * 2 * frozen * 32 * 2 * 4, kv.FrozenPeakBytes);
        Assert.Equal(2L * 2 * frozen * 32 * 1 * 4, hidden.FrozenPeakBytes);
        Assert.Equal(2L * 2 * frozen * 32 * 2 * 2, kvBf16.FrozenPeakBytes);
        Assert.Equal(2L * 2 * frozen * 32 * 1 * 2, hiddenF16.FrozenPeakBytes);
        Assert.Equal(2L * 48 * 8 * 4, kv.OutputBytes);
        var est = JanoCacheMemory.Estimate(2, 32, 48, frozen, 8, 2, JanoCacheMode.Hidden, ScalarType.Float16, ScalarType.Float32);
        Assert.Equal(hiddenF16.FrozenPeakBytes, est.FrozenBytes);
        Assert.Equal(hiddenF16.OutputBytes, est.OutputBytes);
    }

    // A 16-bit cache is cast back when used: close to the fp32 cache, but not equal (the cast really happens).
    [Theory]
    [InlineData(JanoCacheMode.Kv, ScalarType.BFloat16)]
    [InlineData(JanoCacheMode.Hidden, ScalarType.Float16)]
    public void SixteenBitCachesStayCloseToFloat32(JanoCacheMode mode, ScalarType dtype)
    {
        using var full = RunDit(mode);
        using var half = RunDit(mode, dtype);
        float diff = half.MaxAbsDiff(full);
        log.WriteLine($"{mode} {dtype} vs float32 cache: max abs diff {diff:E2}");
        Assert.True(diff > 0 && diff < 0.05, $"max diff {diff}");
    }

    // Host-memory caches: stored on the CPU device, output identical to the model-device cache.
    [Theory]
    [InlineData(JanoCacheMode.Kv)]
    [InlineData(JanoCacheMode.Hidden)]
    public void CpuCachesGiveIdenticalOutput(JanoCacheMode mode)
    {
        using var model = RunDit(mode);
        using var host = RunDit(mode, null, CPU);
        Assert.Equal(DeviceType.CPU, host.StoredOn!.type);
        Assert.True(host.BitEqual(model));
    }

    // Through the whole pipeline: hidden mode ≈ kv mode, and the report's CacheBytes equals the formula at the run's fractions.
    [Fact]
    public void PipelineCacheBytesEqualTheFormulaAndHiddenModeMatchesKv()
    {
        const string preset = "warmup_steps=3,cooldown_steps=2,static_interval=4,medium_interval=2,analyze_block_size=1x2x2,t_weight=0.5,d_distance=1,static_thresh=0.3,medium_thresh=0.6";
        using var rig = new PipelineTestRig();
        var results = new Dictionary<string, Jano.Engine.Pipelines.GenerationResult>();
        try
        {
            foreach (var extra in new[] { "cache_mode=kv", "cache_mode=hidden", "cache_mode=hidden,cache_dtype=bfloat16,cache_device=cpu" })
            {
                var options = new JanoOptions().With(OptionList.Parse(preset + "," + extra));
                var r = rig.Pipeline.Generate(PipelineTestRig.Request(), new JanoAccelerator(options));
                results[extra] = r;
                var f = r.Accelerator.LevelFractions!;
                var d = rig.Model.Describe(TestModels.TinyLatent);
                var est = JanoCacheMemory.Estimate(d, f["static"], f["moderate"], 2, options, ScalarType.Float32);
                log.WriteLine($"{extra}: CacheBytes {r.Accelerator.CacheBytes}, formula {est.TotalBytes} (frozen {est.FrozenBytes}, output {est.OutputBytes})");
                Assert.Equal(est.TotalBytes, r.Accelerator.CacheBytes);
                Assert.Contains(r.Accelerator.Notes, n => n.StartsWith("frozen-token cache: ", StringComparison.Ordinal));
            }
            float diff = TestModels.MaxAbsDiff(results["cache_mode=kv"].Latent, results["cache_mode=hidden"].Latent);
            log.WriteLine($"pipeline hidden vs kv: max abs diff {diff:E2}");
            Assert.True(diff < 1e-4, $"max diff {diff}");
            Assert.True(results["cache_mode=hidden"].Accelerator.CacheBytes < results["cache_mode=kv"].Accelerator.CacheBytes);
        }
        finally
        {
            foreach (var r in results.Values) r.Dispose();
        }
    }

    [Fact]
    public void CacheOptionsParseAndRoundTrip()
    {
        var o = new JanoOptions().With(OptionList.Parse("cache_mode=hidden,cache_dtype=bfloat16,cache_device=cpu"));
        Assert.Equal(JanoCacheMode.Hidden, o.CacheMode);
        Assert.Equal(ScalarType.BFloat16, o.CacheDType);
        Assert.Equal(JanoCacheDevice.Cpu, o.CacheDevice);
        var pairs = o.ToPairs().ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("hidden", pairs["cache_mode"]);
        Assert.Equal("bfloat16", pairs["cache_dtype"]);
        Assert.Equal("cpu", pairs["cache_device"]);
        var d = new JanoOptions();
        Assert.Equal(JanoCacheMode.Kv, d.CacheMode);
        Assert.Null(d.CacheDType);
        Assert.DoesNotContain(d.ToPairs(), p => p.Key.StartsWith("cache_", StringComparison.Ordinal));
        Assert.Null(new JanoOptions().With(OptionList.Parse("cache_dtype=float16,cache_dtype=model")).CacheDType);
    }

    [Theory]
    [InlineData("cache_mode=kvs", "invalid value 'kvs' for cache_mode: expected kv or hidden")]
    [InlineData("cache_dtype=int8", "invalid value 'int8' for cache_dtype: expected float32, bfloat16, float16 or model")]
    [InlineData("cache_device=gpu", "invalid value 'gpu' for cache_device: expected model or cpu")]
    public void BadCacheOptionsAreExactErrors(string text, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => new JanoOptions().With(OptionList.Parse(text)));
        Assert.Equal(message, e.Message);
    }
}
