using Jano.Models.Flux;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Jano.Tests.Flux;

/// <summary>FLUX's weight-free math: timestep embedding against the official function, packing, ids and RoPE.</summary>
public class FluxMathTests(ITestOutputHelper log)
{
    [Fact]
    public void TimestepEmbeddingMatchesTheOfficialFunction()
    {
        using var input = FluxFixtures.Read("dit-tiny-io.safetensors", "temb.input");      // t (the official multiplies by 1000)
        using var expected = FluxFixtures.Read("dit-tiny-io.safetensors", "temb.output");  // [6, 256]
        using var scaled = input.mul(FluxMath.TimeFactor);
        using var actual = FluxMath.TimestepEmbedding(scaled);
        Assert.Equal(expected.shape, actual.shape);
        float diff = TestModels.MaxAbsDiff(expected, actual);
        log.WriteLine($"timestep embedding max abs diff {diff:E2}");
        Assert.True(diff <= 1e-6, $"max abs diff {diff}");
        // cos half first: t = 0 gives [1…1, 0…0]
        using var zero = actual[0];
        Assert.Equal(1f, zero[0].item<float>());
        Assert.Equal(0f, zero[128].item<float>());
    }

    [Fact]
    public void PackIsTheOfficialRearrangeAndUnpackItsInverse()
    {
        using var x = torch.arange(2 * 3 * 4 * 6, dtype: ScalarType.Float32).view(2, 3, 4, 6); // [B, C, H, W]
        using var packed = FluxMath.Pack(x);                                                    // [B, 2·3, 3·4]
        Assert.Equal(new long[] { 2, 6, 12 }, packed.shape);
        // token (i, j) holds channels c, then the 2x2 patch row-major: value at [b, c, 2i + pi, 2j + pj]
        for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
        for (int c = 0; c < 3; c++)
        for (int pi = 0; pi < 2; pi++)
        for (int pj = 0; pj < 2; pj++)
            Assert.Equal(x[1, c, 2 * i + pi, 2 * j + pj].item<float>(), packed[1, i * 3 + j, c * 4 + pi * 2 + pj].item<float>());
        using var back = FluxMath.Unpack(packed, 2, 3);
        Assert.True(TestModels.BitEqual(x, back));
        Assert.Throws<ArgumentException>(() => FluxMath.Pack(torch.zeros(1, 16, 5, 6)));
    }

    [Fact]
    public void ImageIdsAreRowAndColumnOnAxesOneAndTwo()
    {
        using var expected = FluxFixtures.Read("dit-tiny-io.safetensors", "img_ids");          // [B, 12, 3] from prepare()
        var ids = FluxMath.ImageIds(4, 3);
        for (int r = 0; r < 12; r++)
        for (int a = 0; a < 3; a++)
            Assert.Equal(expected[0, r, a].item<float>(), (float)ids[r, a]);
        using var txtIds = FluxFixtures.Read("dit-tiny-io.safetensors", "txt_ids");
        using var any = txtIds.abs().max();
        Assert.Equal(0f, any.item<float>());
    }

    [Fact]
    public void RopeTurnsAdjacentPairsByPositionTimesAxisFrequency()
    {
        var ids = new double[,] { { 0, 2, 3 } };
        int[] axes = [4, 6, 6];
        var angles = FluxMath.RopeAngles(ids, axes, 10_000);
        Assert.Equal(8, angles.Length);
        // axis 0 (position 0): 0; axis 1 (position 2): 2·θ^(−2j/6); axis 2 (position 3): 3·θ^(−2j/6)
        double[] expected = [0, 0, 2, 2 * Math.Pow(10_000, -2.0 / 6), 2 * Math.Pow(10_000, -4.0 / 6), 3, 3 * Math.Pow(10_000, -2.0 / 6),
            3 * Math.Pow(10_000, -4.0 / 6)];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], angles[i], 1e-14);
        // rotation of the pair (x0, x1) = (1, 0) by angle a is (cos a, sin a), on adjacent elements
        using var x = torch.zeros(1, 1, 1, 4);
        x[0, 0, 0, 2] = torch.tensor(1f);
        using var cos = torch.tensor(new float[] { 1f, (float)Math.Cos(0.5) }, [1, 2]);
        using var sin = torch.tensor(new float[] { 0f, (float)Math.Sin(0.5) }, [1, 2]);
        using var y = FluxMath.ApplyRope(x, cos, sin);
        Assert.Equal((float)Math.Cos(0.5), y[0, 0, 0, 2].item<float>());
        Assert.Equal((float)Math.Sin(0.5), y[0, 0, 0, 3].item<float>());
        Assert.Equal(0f, y[0, 0, 0, 0].item<float>());
    }
}
