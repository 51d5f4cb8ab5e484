using Jano.Core.Metrics;
using Xunit;

namespace Jano.Tests.Eval;

public class EvalFrechetTests
{
    private static float[] RandomRows(int seed, int rows, int dim, Func<int, double, double>? map = null)
    {
        var rng = new Random(seed);
        var x = new float[rows * dim];
        for (int r = 0; r < rows; r++)
        {
            // Correlated columns so the covariance is not diagonal.
            double z0 = rng.NextDouble() * 2 - 1;
            for (int j = 0; j < dim; j++)
            {
                double v = z0 * (j + 1) + (rng.NextDouble() * 2 - 1);
                x[r * dim + j] = (float)(map is null ? v : map(j, v));
            }
        }
        return x;
    }

    [Fact]
    public void IdenticalSetsAreAtZero()
    {
        var a = RandomRows(1, 200, 8);
        Assert.InRange(FrechetDistance.Between(a, a, 8), 0, 1e-6);
    }

    [Fact]
    public void OneDimensionalGaussiansMatchTheClosedForm()
    {
        // a = {0, 2}: mean 1, unbiased variance 2; b = {4, 10}: mean 7, variance 18.
        // FD = (1 - 7)^2 + (sqrt 2 - sqrt 18)^2 = 36 + 8 = 44.
        Assert.Equal(44.0, FrechetDistance.Between([0f, 2f], [4f, 10f], 1), 9);
        float[] c = [1, 2, 3, 4], d = [0, 10, 3];
        double mc = 2.5, vc = 5.0 / 3.0, md = 13.0 / 3.0;
        double vd = ((0 - md) * (0 - md) + (10 - md) * (10 - md) + (3 - md) * (3 - md)) / 2.0;
        double expected = (mc - md) * (mc - md) + Math.Pow(Math.Sqrt(vc) - Math.Sqrt(vd), 2);
        Assert.Equal(expected, FrechetDistance.Between(c, d, 1), 9);
    }

    [Fact]
    public void TranslatedSetIsAtTheSquaredShift()
    {
        double[] shift = [0.5, -1.0, 2.0, 0.25];
        var a = RandomRows(3, 150, 4);
        var b = RandomRows(3, 150, 4, (j, v) => v + shift[j]);
        double expected = shift.Sum(s => s * s);
        Assert.Equal(expected, FrechetDistance.Between(a, b, 4), 4);
        Assert.Equal(expected, FrechetDistance.Between(b, a, 4), 4);
    }

    [Fact]
    public void NonCommutingCovariancesUseTheMatrixSquareRoot()
    {
        // Σ1 = I, Σ2 = [[2,1],[1,2]] (eigenvalues 3 and 1): tr sqrt(Σ1Σ2) = sqrt 3 + 1, FD = 2 + 4 - 2 (sqrt 3 + 1).
        double fd = FrechetDistance.FromStatistics([0, 0], new double[,] { { 1, 0 }, { 0, 1 } }, [0, 0], new double[,] { { 2, 1 }, { 1, 2 } });
        Assert.Equal(4 - 2 * Math.Sqrt(3), fd, 10);
        // Diagonal, different: diag(1,4) vs diag(9,1) with means 3 apart: 9 + 15 - 2 (3 + 2) = 14.
        double fd2 = FrechetDistance.FromStatistics([0, 0], new double[,] { { 1, 0 }, { 0, 4 } }, [3, 0], new double[,] { { 9, 0 }, { 0, 1 } });
        Assert.Equal(14.0, fd2, 10);
    }

    [Fact]
    public void StatisticsAreMeanAndUnbiasedCovariance()
    {
        // rows (1,2), (3,6), (5,10): mean (3,6); deviations (-2,-4),(0,0),(2,4) → cov = [[4,8],[8,16]].
        var (mean, cov) = FrechetDistance.Statistics([1, 2, 3, 6, 5, 10], 2);
        Assert.Equal([3.0, 6.0], mean);
        Assert.Equal(4.0, cov[0, 0], 12);
        Assert.Equal(8.0, cov[0, 1], 12);
        Assert.Equal(8.0, cov[1, 0], 12);
        Assert.Equal(16.0, cov[1, 1], 12);
    }

    [Fact]
    public void RejectsBadInput()
    {
        Assert.Throws<ArgumentException>(() => FrechetDistance.Between([1f, 2f], [1f, 2f, 3f, 4f], 2));
        Assert.Throws<ArgumentException>(() => FrechetDistance.Between([1f, 2f, 3f], [1f, 2f], 2));
    }
}
