using System.Text.Json;
using Jano.Core.Weights;
using Jano.Models.Dit;
using Jano.Models.Wan;
using Jano.Tests.Eval;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Dit;

/// <summary>The DiT runs on Wan's blocks, head and RoPE: its shipped weights still load, and its float32 RoPE tables are the
/// ones it was trained with.</summary>
public class DitSharedBlocksTests
{
    [Theory]
    [InlineData("fmnist-image")]
    [InlineData("fmnist-video")]
    public void ShippedWeightsLoadStrictlyIntoTheSharedBlocks(string name)
    {
        var folder = Path.Combine(EvalClassifierTests.RepoRoot, "assets", "models", name);
        var cfg = JsonSerializer.Deserialize<DitConfig>(File.ReadAllText(Path.Combine(folder, "config.json")))!;
        using var model = new DitModel(cfg);
        var report = WeightLoader.LoadInto(model, [Path.Combine(folder, "model.safetensors")]);
        Assert.NotNull(report);
        var keys = model.state_dict().Keys.ToList();
        Assert.Contains("blocks.0.self_attn.norm_q.weight", keys);
        Assert.Contains("blocks.0.norm3.bias", keys);
        Assert.Contains("head.modulation", keys);
        Assert.Contains("class_embedding.weight", keys);
    }

    // The table the shipped DiTs were trained with: θ^(−2j/d_axis) as one Math.Pow, cos/sin rounded to float32.
    private static float[] TrainedTable((int T, int H, int W) grid, int headDim, bool sin)
    {
        int c = headDim / 2, ch = c / 3, cf = c - 2 * ch;
        var result = new List<float>();
        for (int f = 0; f < grid.T; f++)
        for (int h = 0; h < grid.H; h++)
        for (int w = 0; w < grid.W; w++)
        {
            for (int j = 0; j < cf; j++) result.Add(Trig(f * Math.Pow(10000.0, -2.0 * j / (2 * cf)), sin));
            for (int j = 0; j < ch; j++) result.Add(Trig(h * Math.Pow(10000.0, -2.0 * j / (2 * ch)), sin));
            for (int j = 0; j < ch; j++) result.Add(Trig(w * Math.Pow(10000.0, -2.0 * j / (2 * ch)), sin));
        }
        return result.ToArray();
    }

    private static float Trig(double a, bool sin) => (float)(sin ? Math.Sin(a) : Math.Cos(a));

    [Theory]
    [InlineData(64, 8, 16, 16)]  // the shipped models' head dim (192 / 3) on grids up to 8 × 16 × 16
    [InlineData(16, 3, 4, 4)]    // the tiny test model
    public void Float32RopeTablesAreTheTrainedOnesBitForBit(int headDim, int t, int h, int w)
    {
        using var rope = new WanRope(headDim, 10000.0, ScalarType.Float32);
        var (cos, sin) = rope.Table((t, h, w), CPU);
        Assert.Equal(ScalarType.Float32, cos.dtype);
        Assert.Equal(TrainedTable((t, h, w), headDim, sin: false), cos.data<float>().ToArray());
        Assert.Equal(TrainedTable((t, h, w), headDim, sin: true), sin.data<float>().ToArray());
    }

    [Fact]
    public void RopePrecisionIsTheRotationsPrecision()
    {
        using var r32 = new WanRope(16, 10000.0, ScalarType.Float32);
        using var r64 = new WanRope(16, 10000.0);
        var (c32, s32) = r32.Table((2, 2, 2), CPU);
        var (c64, s64) = r64.Table((2, 2, 2), CPU);
        Assert.Equal(ScalarType.Float64, c64.dtype);
        using var x = TestModels.Randn(3, 1, 8, 2, 16);
        using var y32 = WanRope.Apply(x, c32, s32);
        using var y64 = WanRope.Apply(x, c64, s64);
        Assert.Equal(ScalarType.Float32, y64.dtype);
        Assert.True(TestModels.MaxAbsDiff(y32, y64) < 1e-5);
        Assert.False(TestModels.BitEqual(y32, y64)); // the fp64 rotation rounds once, at the end
        Assert.Throws<ArgumentException>(() => new WanRope(16, 10000.0, ScalarType.BFloat16));
    }

    [Fact]
    public void ComplexRotationEqualsThePairwiseRotation()
    {
        foreach (var precision in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            using var rope = new WanRope(16, 10000.0, precision);
            var (cos, sin) = rope.Table((2, 3, 2), CPU);
            var rot = rope.Rotations((2, 3, 2), CPU);
            Assert.Equal(precision == ScalarType.Float64 ? ScalarType.ComplexFloat64 : ScalarType.ComplexFloat32, rot.dtype);
            using var x = TestModels.Randn(5, 2, 12, 2, 16);
            using var pairwise = WanRope.Apply(x, cos, sin);
            using var complex = WanRope.Rotate(x, rot);
            Assert.Equal(x.shape, complex.shape);
            Assert.True(TestModels.MaxAbsDiff(pairwise, complex) < 1e-6, $"{precision}: {TestModels.MaxAbsDiff(pairwise, complex)}");
        }
    }
}
