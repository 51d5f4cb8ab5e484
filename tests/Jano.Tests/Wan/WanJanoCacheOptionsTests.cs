using Jano.Acceleration.JanoMethod;
using Jano.Tests.JanoMethod;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Jano.Tests.Wan;

/// <summary>Jano's cache options on the tiny Wan DiT (fp32 fixture weights): hidden ≈ kv, exact bytes, host caches identical.</summary>
public class WanJanoCacheOptionsTests(ITestOutputHelper log)
{
    private const string Io = "dit-tiny-io.safetensors";

    private static JanoCacheRun RunWan(JanoCacheMode mode, ScalarType? dtype = null, Device? device = null)
    {
        using var _ = torch.no_grad();
        using var model = WanFixtures.TinyModel();
        var d = model.Describe(WanFixtures.TinyLatent);
        using var x1 = WanFixtures.Read(Io, "input.x");
        using var x2 = TestModels.Randn(22, [2, .. WanFixtures.TinyLatent]);
        using var x3 = TestModels.Randn(23, [2, .. WanFixtures.TinyLatent]);
        using var c = WanFixtures.Read(Io, "input.context");
        var xs = new[] { x1, x2, x3 };
        var ts = new[] { 800f, 760f, 720f };
        return JanoCacheRun.Run((i, hooks) =>
        {
            using var t = torch.tensor(new[] { ts[i], ts[i] });
            return model.Forward(xs[i], t, c, hooks);
        }, TestModels.Levels(d.TokenCount, 5), mode, dtype, device);
    }

    [Fact]
    public void WanHiddenModeEqualsKvModeOnStaleCaches()
    {
        using var kv = RunWan(JanoCacheMode.Kv);
        using var hidden = RunWan(JanoCacheMode.Hidden);
        float diff = hidden.MaxAbsDiff(kv);
        log.WriteLine($"Wan hidden vs kv: max abs diff {diff:E2}; frozen bytes kv {kv.FrozenPeakBytes}, hidden {hidden.FrozenPeakBytes}");
        Assert.True(diff < 1e-4, $"max diff {diff}");
        Assert.True(TestModels.MaxAbsDiff(kv.Outputs[2], hidden.Outputs[0]) > 1e-3);
    }

    // 2 rows x 2 layers x (s + m) x 48 wide x {K,V | x} x bytes; output buffer 2 x 48 tokens x 64 (16·1·2·2) x 4.
    [Fact]
    public void WanCacheBytesPerOption()
    {
        int frozen = TestModels.Levels(48, 5).Count(l => l < 3);
        var cases = new (JanoCacheMode Mode, ScalarType? DType, int PerToken)[]
        {
            (JanoCacheMode.Kv, null, 2 * 4), (JanoCacheMode.Hidden, null, 1 * 4),
            (JanoCacheMode.Kv, ScalarType.BFloat16, 2 * 2), (JanoCacheMode.Hidden, ScalarType.BFloat16, 1 * 2),
        };
        foreach (var (mode, dtype, perToken) in cases)
        {
            using var run = RunWan(mode, dtype);
            log.WriteLine($"{mode} {(dtype?.ToString() ?? "model")}: frozen {run.FrozenPeakBytes} bytes, output buffer {run.OutputBytes} bytes");
            Assert.Equal(2L * 2 * frozen * 48 * perToken, run.FrozenPeakBytes);
            Assert.Equal(2L * 48 * 64 * 4, run.OutputBytes);
            var est = JanoCacheMemory.Estimate(2, 48, 48, frozen, 64, 2, mode, dtype ?? ScalarType.Float32, ScalarType.Float32);
            Assert.Equal(est.TotalBytes, run.FrozenPeakBytes + run.OutputBytes);
        }
    }

    // The numbers in docs/wan.md (next to the paper's Table 4): every token frozen (the upper bound), 2 CFG rows, bf16 model.
    [Theory]
    [InlineData(30, 1536, 60, 104, 32760, 24_153_292_800L, 8_386_560L)]   // 1.3B, 832x480, 81 frames
    [InlineData(40, 5120, 90, 160, 75600, 247_726_080_000L, 19_353_600L)] // 14B, 1280x720, 81 frames
    public void WanCacheFormulaAtTheReleasedSizes(int layers, int dim, int h, int w, int tokens, long kvFloat32, long output)
    {
        var d = new Jano.Core.Acceleration.TransformerDescriptor("wan2.1", layers, dim, dim / 128, [16, 21, h, w], (1, 2, 2), 512, 0);
        Assert.Equal(tokens, d.TokenCount);
        var kv = JanoCacheMemory.Estimate(d, 1.0, 0.0, 2, new JanoOptions { CacheDType = ScalarType.Float32 }, ScalarType.BFloat16);
        Assert.Equal(kvFloat32, kv.FrozenBytes);
        Assert.Equal(output, kv.OutputBytes);
        var hiddenBf16 = JanoCacheMemory.Estimate(d, 1.0, 0.0, 2, new JanoOptions { CacheMode = JanoCacheMode.Hidden }, ScalarType.BFloat16);
        Assert.Equal(kvFloat32 / 4, hiddenBf16.FrozenBytes);
        var typical = JanoCacheMemory.Estimate(d, 0.6, 0.2, 2, new JanoOptions { CacheDType = ScalarType.Float32 }, ScalarType.BFloat16);
        Assert.Equal((long)Math.Round(0.6 * tokens) + (long)Math.Round(0.2 * tokens), typical.FrozenBytes / (2L * layers * dim * 2 * 4));
    }

    [Fact]
    public void WanCpuCachesGiveIdenticalOutput()
    {
        using var model = RunWan(JanoCacheMode.Hidden);
        using var host = RunWan(JanoCacheMode.Hidden, null, CPU);
        Assert.Equal(DeviceType.CPU, host.StoredOn!.type);
        Assert.True(host.BitEqual(model));
    }
}
