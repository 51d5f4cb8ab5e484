using System.Text.Json;
using Jano.Core.Metrics;
using Xunit;

namespace Jano.Tests.Metrics;

public class MetricsRankCorrelationTests
{
    private static readonly JsonElement Fixture = MetricsFixtures.Load("spearman.json");

    public static IEnumerable<object[]> Cases() =>
        Fixture.GetProperty("cases").EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    [Theory]
    [MemberData(nameof(Cases))]
    public void SpearmanMatchesScipy(string name)
    {
        var c = Fixture.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        var x = MetricsFixtures.Doubles(c.GetProperty("x"));
        var y = MetricsFixtures.Doubles(c.GetProperty("y"));
        double? expected = MetricsFixtures.NullableDouble(c.GetProperty("rho"));
        double actual = RankCorrelation.Spearman(x, y);
        if (expected is null) Assert.True(double.IsNaN(actual), $"expected NaN, got {actual}");
        else Assert.InRange(actual, expected.Value - 1e-12, expected.Value + 1e-12);
    }

    [Fact]
    public void FixtureHasTies()
    {
        var c = Fixture.GetProperty("cases").EnumerateArray().First(e => e.GetProperty("name").GetString() == "ties-25");
        var x = MetricsFixtures.Doubles(c.GetProperty("x"));
        Assert.True(x.Distinct().Count() < x.Length);
    }

    [Fact]
    public void HandComputedTies()
    {
        // x ranks: 1, 2.5, 2.5, 4; y ranks: 4, 3, 1.5, 1.5
        // dx = -1.5, 0, 0, 1.5; dy = 1.5, 0.5, -1, -1 -> sxy = -2.25 - 1.5 = -3.75, sxx = 4.5, syy = 4.5
        double rho = RankCorrelation.Spearman(new[] { 1.0, 5.0, 5.0, 9.0 }, new[] { 8.0, 3.0, 1.0, 1.0 });
        Assert.Equal(-3.75 / 4.5, rho, 14);
        Assert.Equal(1.0, RankCorrelation.Spearman(new[] { 1.0, 2.0, 3.0 }, new[] { 10.0, 20.0, 300.0 }));
    }

    [Fact]
    public void ConstantSideGivesNaN()
    {
        Assert.True(double.IsNaN(RankCorrelation.Spearman(new[] { 2.0, 2.0, 2.0 }, new[] { 1.0, 2.0, 3.0 })));
        Assert.True(double.IsNaN(RankCorrelation.Spearman(new[] { 1.0, 2.0, 3.0 }, new[] { 4.0, 4.0, 4.0 })));
    }

    [Fact]
    public void LengthMismatchThrows()
    {
        var e = Assert.Throws<ArgumentException>(() => RankCorrelation.Spearman(new[] { 1.0, 2.0 }, new[] { 1.0 }));
        Assert.StartsWith("x and y differ in length: 2 vs 1", e.Message);
    }
}
