using System.Globalization;
using Jano.Acceleration.JanoMethod;
using TorchSharp;
using Xunit;

namespace Jano.Tests.Analyzer;

/// <summary>Our analyzer against the authors' code (fixtures from scripts/fixtures/make_analyzer_fixtures.py).</summary>
public class AnalyzerFixtureTests
{
    public static TheoryData<string> FixtureNames => new(AnalyzerFixture.Names);

    [Fact]
    public void AllFixturesArePresent()
    {
        var found = System.IO.Directory.GetFiles(AnalyzerFixture.Directory, "*.safetensors")
            .Select(Path.GetFileNameWithoutExtension).Order().ToArray();
        Assert.Equal(AnalyzerFixture.Names.Order().ToArray(), found);
    }

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void MatchesAuthorsAnalyzer(string name)
    {
        var fx = AnalyzerFixture.Load(name);
        var shape = fx.Shape("features");
        using var features = torch.tensor(fx.F32("features"), shape);

        var result = ComplexityAnalyzer.Analyze(features, fx.Settings());

        Assert.Equal(fx.Triple("grid"), result.Grid);
        Assert.Equal((int)shape[0], result.FeatureCount);
        Assert.Equal(int.Parse(fx.Metadata["lag"], CultureInfo.InvariantCulture), result.Lag);
        Assert.False(result.Degenerate);
        AssertClose(fx.F64("raw_score"), result.RawScore, 1e-5, "raw_score");
        AssertClose(fx.F64("score"), result.Score, 1e-5, "score");
        Assert.Equal(fx.I32("levels"), result.Levels);

        // Raw dynamics are unnormalised: compare relative to their largest value.
        AssertClose(fx.F64("temporal"), result.Temporal, 1e-5 * Math.Max(1e-12, fx.F64("temporal").Max()), "temporal");
        AssertClose(fx.F64("spatial"), result.Spatial, 1e-5 * fx.F64("spatial").Max(), "spatial");
    }

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void TokenLevelsMatchAuthorsMaskManager(string name)
    {
        var fx = AnalyzerFixture.Load(name);
        var shape = fx.Shape("features");
        var tokens = TokenLevelMap.Map(fx.I32("levels"), fx.Triple("grid"), shape[1..], fx.Triple("block_size"),
            fx.Triple("patch"));
        Assert.Equal(fx.I32("token_levels"), tokens);
    }

    [Fact]
    public void RingFixtureExercisesTheEnhancement()
    {
        var fx = AnalyzerFixture.Load("ring_n7_t1_b144");
        var raw = fx.F64("raw_score");
        var score = fx.F64("score");
        Assert.Contains(Enumerable.Range(0, raw.Length), i => score[i] - raw[i] > 0.1);

        using var features = torch.tensor(fx.F32("features"), fx.Shape("features"));
        var result = ComplexityAnalyzer.Analyze(features, fx.Settings());
        // The calm 2x2 interior of the 8x8 grid (rows/cols 3..4) is promoted from 0 to level 2.
        foreach (int i in new[] { 3 * 8 + 3, 3 * 8 + 4, 4 * 8 + 3, 4 * 8 + 4 })
        {
            Assert.Equal(0f, result.RawScore[i]);
            Assert.True(result.Score[i] > 0.2f, $"interior block {i} was not promoted: {result.Score[i]}");
            Assert.Equal(2, result.Levels[i]);
        }

        var plain = ComplexityAnalyzer.Analyze(features, fx.Settings() with { Enhance = false });
        Assert.Equal(plain.RawScore, plain.Score);
        Assert.Equal(result.RawScore, plain.RawScore);
        Assert.Equal(1, plain.Levels[3 * 8 + 3]);
    }

    private static void AssertClose(double[] expected, float[] actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs(expected[i] - actual[i]);
            if (d > worst) { worst = d; at = i; }
        }
        Assert.True(worst <= tol, $"{what}: max |diff| {worst:E3} at {at} exceeds {tol:E1}");
    }
}
