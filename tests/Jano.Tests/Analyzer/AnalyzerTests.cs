using Jano.Acceleration.JanoMethod;
using Jano.Core;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace Jano.Tests.Analyzer;

/// <summary>Hand-computed dynamics, degenerate input, dtype handling and argument validation of
/// <see cref="ComplexityAnalyzer"/>.</summary>
public class AnalyzerTests
{
    private static Tensor Features(float[] values, params long[] shape) => torch.tensor(values, shape);

    private static Tensor Randn(long seed, params long[] shape)
    {
        using var generator = new torch.Generator((ulong)seed);
        return torch.randn(shape, generator: generator);
    }

    [Fact]
    public void SpatialDynamicsUseChannelL2AndMeanOverFullMatrix()
    {
        // n = 2, C = 2, T = 1, H = 1, W = 4, blocks (1,1,2): block 0 = w 0..1, block 1 = w 2..3.
        // Block 0 distances 1 -> 2, block 1 distances 5 -> 10 (3-4-5 triangles over the two channels).
        // Spatial = mean of |D1 - D0| over the 2x2 matrix (zero diagonal included) = |d1 - d0| / 2.
        float[] v =
        [
            0, 1, 0, 3,   0, 0, 0, 4,   // step 0: channel 0, channel 1
            0, 2, 0, 6,   0, 0, 0, 8,   // step 1
        ];
        using var f = Features(v, 2, 2, 1, 1, 4);
        var r = ComplexityAnalyzer.Analyze(f, new AnalyzerSettings((1, 1, 2)));
        Assert.Equal((1, 1, 2), r.Grid);
        Assert.Equal(1, r.Lag);
        Assert.Equal(new[] { 0.5f, 2.5f }, r.Spatial);
        Assert.Equal(new[] { 0f, 0f }, r.Temporal);
        Assert.Equal(new[] { 0f, 1f }, r.RawScore);
        Assert.Equal(new[] { 1, 3 }, r.Levels);
    }

    [Fact]
    public void TemporalDynamicsUseLagHalfOfFeatureCount()
    {
        // n = 4 -> lag 2, pairs (0,2), (1,3). T = 2, H = 1, W = 2, blocks (2,1,1) along W.
        // Block 0: frame distance a_k = 1, 3, 2, 6; block 1 is all zeros.
        // Temporal_0 = mean over pairs and the 2x2 matrix = (|2-1| + |6-3|) * 2 / (2 * 4) = 1.0
        // (a lag of 1 would give 14/12).
        float[] a = [1, 3, 2, 6];
        var v = new float[4 * 1 * 2 * 1 * 2];
        for (int k = 0; k < 4; k++) v[k * 4 + 2] = a[k]; // [k, c=0, t=1, h=0, w=0]
        using var f = Features(v, 4, 1, 2, 1, 2);
        var r = ComplexityAnalyzer.Analyze(f, new AnalyzerSettings((2, 1, 1), TWeight: 0.7));
        Assert.Equal(4, r.FeatureCount);
        Assert.Equal(2, r.Lag);
        Assert.Equal((1, 1, 2), r.Grid);
        Assert.Equal(1.0f, r.Temporal[0], 6);
        Assert.Equal(0f, r.Temporal[1]);
        Assert.Equal(new[] { 0f, 0f }, r.Spatial);
        Assert.Equal(new[] { 1f, 0f }, r.RawScore);
    }

    [Fact]
    public void PaddingAddsZeroCellsAtTheFarEnd()
    {
        // W = 3 with bw = 2: the second block holds w = 2 and a zero pad. n = 2, C = 1, H = T = 1.
        // Block 0 (w 0..1): distance 0 -> 0; block 1 (w 2 + pad): |x| = 1 -> 3, Spatial = 2/2 = 1.
        float[] v = [5, 5, 1, 7, 7, 3];
        using var f = Features(v, 2, 1, 1, 1, 3);
        var r = ComplexityAnalyzer.Analyze(f, new AnalyzerSettings((1, 1, 2)));
        Assert.Equal((1, 1, 2), r.Grid);
        Assert.Equal(new[] { 0f, 1f }, r.Spatial);
    }

    [Fact]
    public void StepInvariantFeaturesAreDegenerateAndFullyActive()
    {
        using var baseFeat = Randn(7, 1, 4, 4, 8, 8);
        using var f = baseFeat.expand(7, 4, 4, 8, 8).contiguous();
        var r = ComplexityAnalyzer.Analyze(f, new AnalyzerSettings((2, 4, 4)));
        Assert.True(r.Degenerate);
        Assert.Equal(2 * 2 * 2, r.Levels.Length);
        Assert.All(r.Levels, l => Assert.Equal(3, l));
        Assert.All(r.RawScore, s => Assert.Equal(0f, s));
        Assert.All(r.Score, s => Assert.Equal(0f, s));
    }

    [Fact]
    public void AllEqualFeaturesAreDegenerate()
    {
        using var f = torch.full(new long[] { 3, 2, 1, 8, 8 }, 0.25f);
        var r = ComplexityAnalyzer.Analyze(f, new AnalyzerSettings((1, 4, 4), TWeight: 0));
        Assert.True(r.Degenerate);
        Assert.All(r.Levels, l => Assert.Equal(3, l));
    }

    [Fact]
    public void NonDegenerateResultIsNotFlagged()
    {
        using var f = Randn(3, 5, 4, 1, 16, 16);
        var r = ComplexityAnalyzer.Analyze(f, new AnalyzerSettings((1, 4, 4)));
        Assert.False(r.Degenerate);
        Assert.Equal(0f, r.RawScore.Min());
        Assert.Equal(1f, r.RawScore.Max());
        Assert.Contains(1, r.Levels);
    }

    [Fact]
    public void BFloat16InputIsAcceptedAndComputedInFloat32()
    {
        var fx = AnalyzerFixture.Load("image_n7_t1_b144");
        using var f32 = torch.tensor(fx.F32("features"), fx.Shape("features"));
        using var bf16 = f32.to_type(ScalarType.BFloat16);
        using var rounded = bf16.to_type(ScalarType.Float32);

        var fromBf16 = ComplexityAnalyzer.Analyze(bf16, fx.Settings());
        var fromRounded = ComplexityAnalyzer.Analyze(rounded, fx.Settings());
        Assert.Equal(fromRounded.Spatial, fromBf16.Spatial);
        Assert.Equal(fromRounded.Score, fromBf16.Score);
        Assert.Equal(fromRounded.Levels, fromBf16.Levels);
        Assert.Equal(ScalarType.BFloat16, bf16.dtype); // input untouched

        // bf16 rounding of the features moves the scores only a little.
        var exact = ComplexityAnalyzer.Analyze(f32, fx.Settings());
        for (int i = 0; i < exact.RawScore.Length; i++)
            Assert.True(Math.Abs(exact.RawScore[i] - fromBf16.RawScore[i]) < 0.05);
    }

    [Fact]
    public void FewerThanTwoFeaturesIsAnError()
    {
        using var f = Randn(1, 1, 4, 1, 8, 8);
        var ex = Assert.Throws<ArgumentException>(() => ComplexityAnalyzer.Analyze(f, new AnalyzerSettings((1, 4, 4))));
        Assert.Equal("complexity analysis needs at least 2 features, got 1", ex.Message);
    }

    [Fact]
    public void WrongRankIsAnError()
    {
        using var f = Randn(1, 7, 4, 8, 8);
        var ex = Assert.Throws<ArgumentException>(() => ComplexityAnalyzer.Analyze(f, new AnalyzerSettings((1, 4, 4))));
        Assert.Equal("features must be a 5-D tensor [n, C, T, H, W], got 4 dimensions", ex.Message);
    }

    [Fact]
    public void IntegerFeaturesAreAnError()
    {
        using var f = torch.zeros(new long[] { 3, 1, 1, 4, 4 }, ScalarType.Int32);
        var ex = Assert.Throws<ArgumentException>(() => ComplexityAnalyzer.Analyze(f, new AnalyzerSettings((1, 2, 2))));
        Assert.Contains("floating-point", ex.Message);
    }

    [Fact]
    public void SingleFrameNeedsTemporalBlockOne()
    {
        using var f = Randn(1, 3, 4, 1, 8, 8);
        var ex = Assert.Throws<ArgumentException>(() => ComplexityAnalyzer.Analyze(f, new AnalyzerSettings((2, 4, 4))));
        Assert.Equal("single-frame features (T == 1) need a temporal block size of 1, got 2", ex.Message);
    }

    [Theory]
    [InlineData(0, 4, 4)]
    [InlineData(1, -1, 4)]
    [InlineData(1, 4, 0)]
    public void NonPositiveBlockSizeIsAnError(int bt, int bh, int bw)
    {
        using var f = Randn(1, 3, 4, 2, 8, 8);
        var ex = Assert.Throws<UsageException>(() => ComplexityAnalyzer.Analyze(f, new AnalyzerSettings((bt, bh, bw))));
        Assert.Equal($"block size must be positive in every dimension, got ({bt}, {bh}, {bw})", ex.Message);
    }

    [Fact]
    public void StaticAboveMediumIsAnError()
    {
        var ex = Assert.Throws<UsageException>(
            () => new AnalyzerSettings((1, 4, 4), StaticThresh: 0.7, MediumThresh: 0.6).Validate());
        Assert.Equal("static_thresh (0.7) must not exceed medium_thresh (0.6)", ex.Message);

        using var f = Randn(1, 3, 4, 1, 8, 8);
        Assert.Throws<UsageException>(() => ComplexityAnalyzer.Analyze(f,
            new AnalyzerSettings((1, 4, 4), StaticThresh: 0.7, MediumThresh: 0.6)));
    }

    [Theory]
    [InlineData(-0.1, 0.8, 1.0, "t_weight must be in [0, 1], got -0.1")]
    [InlineData(1.5, 0.8, 1.0, "t_weight must be in [0, 1], got 1.5")]
    [InlineData(0.7, -1.0, 1.0, "d_strength must be a finite non-negative number, got -1")]
    [InlineData(0.7, 0.8, 0.0, "d_distance must be a finite positive number, got 0")]
    public void OtherInvalidSettingsAreErrors(double tw, double ds, double dd, string message)
    {
        var ex = Assert.Throws<UsageException>(
            () => new AnalyzerSettings((1, 4, 4), TWeight: tw, DStrength: ds, DDistance: dd).Validate());
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void EqualThresholdsGiveTwoLevels()
    {
        using var f = Randn(5, 5, 4, 1, 16, 16);
        var r = ComplexityAnalyzer.Analyze(f, new AnalyzerSettings((1, 4, 4), StaticThresh: 0.4, MediumThresh: 0.4));
        Assert.DoesNotContain(2, r.Levels);
        for (int i = 0; i < r.Levels.Length; i++)
            Assert.Equal(r.Score[i] <= 0.4f ? 1 : 3, r.Levels[i]);
    }

    [Fact]
    public void AnalysisLeavesNoLiveTensors()
    {
        using var f = Randn(9, 7, 4, 4, 16, 16);
        using var outer = torch.NewDisposeScope();
        long before = outer.DisposablesCount;
        ComplexityAnalyzer.Analyze(f, new AnalyzerSettings((2, 4, 4)));
        Assert.Equal(before, outer.DisposablesCount);
    }
}
