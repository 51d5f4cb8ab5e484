using System.Text.Json;
using Jano.Core.Analysis;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Metrics;

public class MetricsGroundTruthTests
{
    private static readonly JsonElement Fixture = MetricsFixtures.Load("ground_truth.json");

    private static long[] Shape(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt64()).ToArray();

    private static (int, int, int) Block(JsonElement e)
    {
        var b = e.EnumerateArray().Select(v => v.GetInt32()).ToArray();
        return (b[0], b[1], b[2]);
    }

    public static IEnumerable<object[]> ComplexityCases() =>
        Enumerable.Range(0, Fixture.GetProperty("complexity").GetProperty("cases").GetArrayLength()).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(ComplexityCases))]
    public void ComplexityMatchesNumpyReference(int index)
    {
        var fx = Fixture.GetProperty("complexity");
        var c = fx.GetProperty("cases")[index];
        using var latent = torch.tensor(MetricsFixtures.Doubles(fx.GetProperty("latent")), Shape(fx.GetProperty("shape")));
        var expected = MetricsFixtures.Doubles(c.GetProperty("complexity"));
        var actual = GroundTruth.Complexity(latent, Block(c.GetProperty("block")));
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-12, $"block {i}: expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void ComplexityOfHandBuiltBlocks()
    {
        // [C=2, T=1, H=8, W=16], block (1,8,8): left block constant (only DC energy -> 0),
        // right block a ±1 checkerboard (all energy at the Nyquist bin, 4·√2 from DC -> 1).
        var data = new float[2 * 8 * 16];
        for (int c = 0; c < 2; c++)
            for (int h = 0; h < 8; h++)
                for (int w = 0; w < 16; w++)
                    data[(c * 8 + h) * 16 + w] = w < 8 ? 3f : ((h + w) % 2 == 0 ? 1f : -1f);
        using var latent = torch.tensor(data, new long[] { 2, 1, 8, 16 });
        var values = GroundTruth.Complexity(latent, (1, 8, 8));
        Assert.Equal(2, values.Length);
        Assert.Equal(0.0, values[0], 12);
        Assert.Equal(1.0, values[1], 12);

        // A horizontal cosine of frequency 1 (bins at distance 1 from DC) is inside r = 8/8 = 1 (distance must be > r) -> 0;
        // frequency 2 (distance 2) is outside -> 1.
        var cos = new float[2 * 8 * 8];
        for (int k = 0; k < 2; k++)
            for (int h = 0; h < 8; h++)
                for (int w = 0; w < 8; w++)
                    cos[(k * 8 + h) * 8 + w] = (float)Math.Cos(2 * Math.PI * (k + 1) * w / 8.0);
        using var waves = torch.tensor(cos, new long[] { 1, 2, 8, 8 });     // C=1, T=2: frame 0 freq 1, frame 1 freq 2
        var perFrame = GroundTruth.Complexity(waves, (1, 8, 8));
        Assert.Equal(0.0, perFrame[0], 6);
        Assert.Equal(1.0, perFrame[1], 6);
        var both = GroundTruth.Complexity(waves, (2, 8, 8));                  // averaged over the block's two frames
        Assert.Equal(0.5, both.Single(), 6);
    }

    [Fact]
    public void ComplexityPadsAndCountsZeroFramesAsZero()
    {
        // T=1 with bt=2: the padded frame has zero energy and counts as ratio 0 in the mean.
        var data = new float[8 * 8];
        for (int i = 0; i < data.Length; i++) data[i] = ((i / 8) + (i % 8)) % 2 == 0 ? 1f : -1f;
        using var latent = torch.tensor(data, new long[] { 1, 1, 8, 8 });
        Assert.Equal(0.5, GroundTruth.Complexity(latent, (2, 8, 8)).Single(), 12);
        using var zeros = torch.zeros(2, 1, 8, 8);
        Assert.Equal(new[] { 0.0 }, GroundTruth.Complexity(zeros, (1, 8, 8)));
    }

    [Fact]
    public void ComplexityValidatesArguments()
    {
        using var x3 = torch.zeros(2, 8, 8);
        var e1 = Assert.Throws<ArgumentException>(() => GroundTruth.Complexity(x3, (1, 8, 8)));
        Assert.StartsWith("latent must be 4-D [C,T,H,W], got shape [2,8,8]", e1.Message);
        using var x4 = torch.zeros(1, 1, 8, 8);
        var e2 = Assert.Throws<ArgumentException>(() => GroundTruth.Complexity(x4, (1, 0, 8)));
        Assert.StartsWith("block sizes must be positive, got (1,0,8)", e2.Message);
    }

    [Fact]
    public void ComplexityAndConvergenceDisposeTheirTemporaries()
    {
        using var latent = torch.randn(2, 3, 8, 8);
        var trajectory = Enumerable.Range(0, 6).Select(_ => torch.randn(2, 3, 8, 8)).ToList();
        try
        {
            GroundTruth.Complexity(latent, (2, 4, 4));            // warm up lazily created natives
            GroundTruth.Convergence(trajectory, (2, 4, 4));
            DisposeScopeManager.Statistics.Reset();
            GroundTruth.Complexity(latent, (2, 4, 4));
            GroundTruth.Convergence(trajectory, (2, 4, 4));
            Assert.Equal(0, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
        finally
        {
            foreach (var t in trajectory) t.Dispose();
        }
    }

    [Fact]
    public void ConvergenceStepRule()
    {
        Assert.Equal((10, 5), GroundTruth.ConvergenceSteps(50));   // paper: from step 10, every 5 steps
        Assert.Equal((5, 2), GroundTruth.ConvergenceSteps(25));    // 2.5 rounds half to even
        Assert.Equal((2, 1), GroundTruth.ConvergenceSteps(10));
        Assert.Equal((1, 1), GroundTruth.ConvergenceSteps(5));     // 0.5 -> 0 -> max(1, 0)
        Assert.Equal((0, 1), GroundTruth.ConvergenceSteps(1));
        Assert.Equal((6, 3), GroundTruth.ConvergenceSteps(30));
    }

    [Fact]
    public void ConvergenceOfHandBuiltTrajectory()
    {
        // Latent [C=2, T=1, H=4, W=3], block (1,2,2) -> 2x2 blocks; the w=1 blocks hold one real column (2 cells per channel).
        // N = 10 -> s0 = 2, stride = 1: raw = Σ_{s=2..9} |x(s+1) − x(s)|, per cell:
        //   A(s) = 0 at s=0, else 5      -> 0   (changes only before step 2)
        //   B(s) = s                     -> 8
        //   C(s) = 2·(s mod 2)           -> 16
        //   D(s) = 4 at s=10, else 0     -> 4
        // block (h0,w0): all B -> 8; (h0,w1): ch0 C, ch1 D -> (16+4)/2 = 10;
        // block (h1,w0): all A -> 0; (h1,w1): ch0 D, ch1 B -> (4+8)/2 = 6. Min-max over [8, 10, 0, 6].
        static double A(int s) => s == 0 ? 0 : 5;
        static double B(int s) => s;
        static double C(int s) => 2 * (s % 2);
        static double D(int s) => s == 10 ? 4 : 0;
        Func<int, double> Cell(int c, int h, int w) => (h < 2, w < 2, c) switch
        {
            (true, true, _) => B,
            (true, false, 0) => C,
            (true, false, _) => D,
            (false, true, _) => A,
            (false, false, 0) => D,
            (false, false, _) => B,
        };

        var trajectory = new List<Tensor>();
        try
        {
            for (int s = 0; s <= 10; s++)
            {
                var data = new double[2 * 4 * 3];
                for (int c = 0; c < 2; c++)
                    for (int h = 0; h < 4; h++)
                        for (int w = 0; w < 3; w++)
                            data[(c * 4 + h) * 3 + w] = Cell(c, h, w)(s);
                trajectory.Add(torch.tensor(data, new long[] { 2, 1, 4, 3 }, ScalarType.Float32));
            }
            var values = GroundTruth.Convergence(trajectory, (1, 2, 2));
            Assert.Equal(4, values.Length);
            Assert.Equal(0.8, values[0], 12);
            Assert.Equal(1.0, values[1], 12);
            Assert.Equal(0.0, values[2], 12);
            Assert.Equal(0.6, values[3], 12);
        }
        finally
        {
            foreach (var t in trajectory) t.Dispose();
        }
    }

    [Fact]
    public void ConvergenceMatchesNumpyReference()
    {
        var fx = Fixture.GetProperty("convergence");
        var shape = Shape(fx.GetProperty("shape"));
        var trajectory = fx.GetProperty("trajectory").EnumerateArray()
            .Select(e => torch.tensor(MetricsFixtures.Doubles(e), shape, ScalarType.Float32)).ToList();
        try
        {
            var expected = MetricsFixtures.Doubles(fx.GetProperty("convergence"));
            var actual = GroundTruth.Convergence(trajectory, Block(fx.GetProperty("block")));
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-10, $"block {i}: expected {expected[i]}, got {actual[i]}");
        }
        finally
        {
            foreach (var t in trajectory) t.Dispose();
        }
    }

    [Fact]
    public void ConvergenceOfStillTrajectoryIsAllZeros()
    {
        var trajectory = Enumerable.Range(0, 6).Select(_ => torch.ones(1, 2, 4, 4)).ToList();
        try
        {
            Assert.Equal(new double[8], GroundTruth.Convergence(trajectory, (1, 2, 2)));   // 2x2x2 blocks
        }
        finally
        {
            foreach (var t in trajectory) t.Dispose();
        }
    }

    [Fact]
    public void ConvergenceValidatesArguments()
    {
        using var a = torch.zeros(1, 1, 4, 4);
        using var b = torch.zeros(1, 1, 4, 5);
        var e1 = Assert.Throws<ArgumentException>(() => GroundTruth.Convergence(new[] { a }, (1, 2, 2)));
        Assert.StartsWith("trajectory needs at least 2 latents (steps 0..N, N >= 1), got 1", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => GroundTruth.Convergence(new[] { a, b }, (1, 2, 2)));
        Assert.StartsWith("trajectory latent 1 has shape [1,1,4,5], expected [1,1,4,4]", e2.Message);
    }

    [Fact]
    public void TercilesOfKnownVectors()
    {
        // ascending order with ties by index: 0(i5) 1(i1) 3(i2) 3(i3) 5(i0) 7(i6) 9(i4); rank r -> ⌊3r/7⌋ = 0,0,0,1,1,2,2
        Assert.Equal(new[] { 1, 0, 0, 1, 2, 0, 2 }, GroundTruth.Terciles(new[] { 5.0, 1, 3, 3, 9, 0, 7 }));
        Assert.Equal(new[] { 2, 2, 1, 1, 0, 0 }, GroundTruth.Terciles(new[] { 6.0, 5, 4, 3, 2, 1 }));
        Assert.Equal(new[] { 0, 0, 1, 1, 2, 2 }, GroundTruth.Terciles(new[] { 4.0, 4, 4, 4, 4, 4 }));
        Assert.Equal(new[] { 0, 1, 2 }, GroundTruth.Terciles(new[] { -1.0, 0, 1 }));
        Assert.Empty(GroundTruth.Terciles(Array.Empty<double>()));
        var e = Assert.Throws<ArgumentException>(() => GroundTruth.Terciles(new[] { 1.0, double.NaN }));
        Assert.StartsWith("values must not contain NaN", e.Message);
    }

    [Fact]
    public void TercileAgreementCountsMatchingTerciles()
    {
        var a = new[] { 1.0, 2, 3, 4, 5, 6 };
        Assert.Equal(1.0, GroundTruth.TercileAgreement(a, new[] { 10.0, 20, 30, 40, 60, 50 }));
        Assert.Equal(2.0 / 6, GroundTruth.TercileAgreement(a, new[] { 6.0, 5, 4, 3, 2, 1 }), 15);
        var e1 = Assert.Throws<ArgumentException>(() => GroundTruth.TercileAgreement(a, new[] { 1.0 }));
        Assert.StartsWith("a and b differ in length: 6 vs 1", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => GroundTruth.TercileAgreement(Array.Empty<double>(), Array.Empty<double>()));
        Assert.StartsWith("values must not be empty", e2.Message);
    }
}
