using System.Globalization;
using Jano.Core.Weights;
using Jano.Models.Wan.TextEncoder;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Jano.Tests.Wan.TextEncoder;

/// <summary>The tiny umT5 encoder against the official <c>T5Encoder</c> forward (fp32, CPU): t5-tiny.safetensors / t5-tiny-io.safetensors.</summary>
public class WanT5EncoderGoldenTests(ITestOutputHelper log)
{
    [Fact]
    public void ForwardWithPaddingMaskMatchesTheOfficialOutput()
    {
        using var _ = torch.no_grad();
        using var model = WanT5Fixtures.TinyEncoder();
        using var ids = WanT5Fixtures.Read("input.ids");
        using var mask = WanT5Fixtures.Read("input.mask");
        using var expected = WanT5Fixtures.Read("output");
        var blockDiffs = new List<float>();
        using var y = model.Forward(ids, mask, (i, x) =>
        {
            using var e = WanT5Fixtures.Read($"block_out.{i}");
            blockDiffs.Add(TestModels.MaxAbsDiff(e, x));
        });
        Assert.Equal(expected.shape, y.shape);
        float diff = TestModels.MaxAbsDiff(expected, y);
        log.WriteLine($"output max abs diff {diff:E2}; blocks {string.Join(", ", blockDiffs.Select(d => d.ToString("E2", CultureInfo.InvariantCulture)))}");
        Assert.True(diff <= 1e-4, $"max abs diff {diff}");
        Assert.Equal(UmT5Config.Tiny.NumLayers, blockDiffs.Count);
        Assert.All(blockDiffs, d => Assert.True(d <= 1e-4, $"block max abs diff {d}"));
        using var scale = expected.abs().max();
        Assert.True(scale.item<float>() > 0.5f);
    }

    [Fact]
    public void TheMaskMatters()
    {
        // Without the mask the short rows attend to their padding, so the real tokens' states change: the golden
        // above therefore checks the masking, not only the dense path.
        using var _ = torch.no_grad();
        using var model = WanT5Fixtures.TinyEncoder();
        using var ids = WanT5Fixtures.Read("input.ids");
        using var expected = WanT5Fixtures.Read("output");
        using var y = model.Forward(ids);
        using var shortRowReal = (y[2].narrow(0, 0, 3) - expected[2].narrow(0, 0, 3)).abs().max();
        Assert.True(shortRowReal.item<float>() > 1e-2f);
        using var fullRow = (y[0] - expected[0]).abs().max();          // the unpadded row is unaffected
        Assert.True(fullRow.item<float>() <= 1e-4f);
    }

    [Fact]
    public void EncodeTrimmedKeepsTheRealTokensLikeWan()
    {
        using var _ = torch.no_grad();
        using var model = WanT5Fixtures.TinyEncoder();
        using var ids = WanT5Fixtures.Read("input.ids");
        using var mask = WanT5Fixtures.Read("input.mask");
        using var expected = WanT5Fixtures.Read("output");
        var rows = model.EncodeTrimmed(ids, mask);
        try
        {
            Assert.Equal([24L, 10L, 3L], rows.Select(r => r.shape[0]).ToArray());
            for (int i = 0; i < rows.Length; i++)
            {
                using var e = expected[i].narrow(0, 0, rows[i].shape[0]);
                Assert.True(TestModels.MaxAbsDiff(e, rows[i]) <= 1e-4);
            }
        }
        finally { foreach (var r in rows) r.Dispose(); }
    }

    [Fact]
    public void Bf16RunsAndStaysNearTheFp32Golden()
    {
        using var _ = torch.no_grad();
        using var model = WanT5Fixtures.TinyEncoder(ScalarType.BFloat16);
        using var ids = WanT5Fixtures.Read("input.ids");
        using var mask = WanT5Fixtures.Read("input.mask");
        using var expected = WanT5Fixtures.Read("output");
        using var y = model.Forward(ids, mask);
        Assert.Equal(ScalarType.BFloat16, y.dtype);
        using var yf = y.to(ScalarType.Float32);
        float diff = TestModels.MaxAbsDiff(expected, yf);
        using var rel = (yf - expected).norm().div(expected.norm());
        log.WriteLine($"bf16 max abs diff {diff:E2}, relative L2 {rel.item<float>():E2}");
        Assert.True(float.IsFinite(diff) && diff < 0.25f, $"bf16 max abs diff {diff}");
        Assert.True(rel.item<float>() < 0.02f);
    }

    [Fact]
    public void RelativeBucketsMatchT5()
    {
        // Values of the official _relative_position_bucket (bidirectional, 32 buckets, max_dist 128): exact below 8,
        // log-spaced to 15 at 128 and beyond, +16 for keys after the query.
        using var rel = torch.tensor(new long[] { 0, -1, -7, -8, -12, -16, -31, -64, -127, -500, 1, 7, 8, 20, 127, 128, 1000 });
        using var b = T5RelativeEmbedding.Bucket(rel, 32, 128);
        Assert.Equal(new long[] { 0, 1, 7, 8, 9, 10, 11, 14, 15, 15, 17, 23, 24, 26, 31, 31, 31 }, b.data<long>().ToArray());
    }

    [Fact]
    public void StrictLoadingRejectsAWrongConfig()
    {
        using var model = new UmT5Encoder(UmT5Config.Tiny with { DimFfn = 64 });
        var ex = Assert.Throws<WeightFileException>(() => WeightLoader.LoadInto(model, [Wan.WanFixtures.PathOf(WanT5Fixtures.Weights)]));
        Assert.Contains("ffn", ex.Message);
        using var shared = new UmT5Encoder(UmT5Config.Tiny with { SharedPos = true });
        Assert.Throws<WeightFileException>(() => WeightLoader.LoadInto(shared, [Wan.WanFixtures.PathOf(WanT5Fixtures.Weights)]));
    }
}
