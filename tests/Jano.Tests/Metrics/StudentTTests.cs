using Jano.Core.Metrics;
using Xunit;

namespace Jano.Tests.Metrics;

public class StudentTTests
{
    [Theory]
    [InlineData(1.0, 1.0, 0.5)]                   // Cauchy: P(|T| >= 1) = 1/2
    [InlineData(2.0, 2.0, 0.18350341907227397)]   // df 2: 1 - t/sqrt(2 + t^2)
    [InlineData(0.0, 7.0, 1.0)]
    [InlineData(2.0, 10.0, 0.07338803477074)]     // tables: 0.0734
    public void TwoSidedPMatchesClosedFormsAndTables(double t, double df, double expected) =>
        Assert.Equal(expected, StudentT.TwoSidedP(t, df), 6);

    [Fact]
    public void LargeDegreesOfFreedomApproachTheNormal() =>
        Assert.Equal(0.0455, StudentT.TwoSidedP(2.0, 1e6), 3);   // normal: 2·(1 − Φ(2)) = 0.0455

    [Fact]
    public void CorrelationAndMeanTests()
    {
        Assert.True(double.IsNaN(StudentT.CorrelationP(0.5, 2)));
        Assert.Equal(0, StudentT.CorrelationP(1, 10));
        Assert.Equal(StudentT.TwoSidedP(0.3 * Math.Sqrt(48 / (1 - 0.09)), 48), StudentT.CorrelationP(0.3, 50), 12);
        // mean 1, sample sd sqrt(4/3) over 4 values: t = sqrt(3), df 3
        Assert.Equal(StudentT.TwoSidedP(Math.Sqrt(3), 3), StudentT.MeanP([0, 0, 2, 2]), 12);
        Assert.True(StudentT.MeanP([0.5, 0.6, 0.55, 0.52, 0.58]) < 1e-4);
        Assert.True(double.IsNaN(StudentT.MeanP([1.0])));
    }
}
