using Jano.Acceleration.JanoMethod;
using Xunit;

namespace Jano.Tests.Analyzer;

/// <summary>Hand-built cases for <see cref="InwardEnhancement"/> (spec §1.5).</summary>
public class AnalyzerEnhancementTests
{
    private const double Contour = 1.0, Low = 0.0;
    private static readonly double E2 = Math.Exp(-2.0);

    /// <summary>An n x n grid filled with <paramref name="mid"/>, with contour and low cells set.</summary>
    private static double[] Grid(int n, double mid, (int R, int C)[] contour, (int R, int C)[] low)
    {
        var g = Enumerable.Repeat(mid, n * n).ToArray();
        foreach (var (r, c) in contour) g[r * n + c] = Contour;
        foreach (var (r, c) in low) g[r * n + c] = Low;
        return g;
    }

    /// <summary>Asserts every cell keeps its value except the listed ones.</summary>
    private static void AssertOnlyChanged(double[] before, double[] after, int n, params (int R, int C, double Value)[] changed)
    {
        var expected = (double[])before.Clone();
        foreach (var (r, c, v) in changed) expected[r * n + c] = v;
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - after[i]) < 1e-12,
                $"cell ({i / n}, {i % n}): expected {expected[i]}, got {after[i]}");
    }

    // 7x7: low cells (2,2) and (3,3) touch only diagonally; the cells between them, (2,3) and (3,2), are contour.
    private static readonly (int, int)[] DiagonalContour = [(1, 2), (2, 1), (2, 3), (3, 2), (3, 4), (4, 3)];
    private static readonly (int, int)[] DiagonalLow = [(2, 2), (3, 3)];

    [Fact]
    public void DiagonalOnlyRegionIsOneEightConnectedComponent()
    {
        // Under 4-connectivity these would be two one-cell regions and nothing would be promoted.
        var g = Grid(7, 0.8, DiagonalContour, DiagonalLow);
        var e = InwardEnhancement.Apply(g, 7, 7, dStrength: 0.8, dDistance: 1.0);
        AssertOnlyChanged(g, e, 7, (2, 2, 0.8 * E2), (3, 3, 0.8 * E2));
    }

    [Fact]
    public void NoRenormalisationSoPromotedValuesMayExceedOne()
    {
        var g = Grid(7, 0.8, DiagonalContour, DiagonalLow);
        var e = InwardEnhancement.Apply(g, 7, 7, dStrength: 10.0, dDistance: 1.0);
        Assert.True(e[2 * 7 + 2] > 1.0);
        AssertOnlyChanged(g, e, 7, (2, 2, 10.0 * E2), (3, 3, 10.0 * E2));
    }

    [Fact]
    public void BorderCellsAreNeverPromoted()
    {
        // Low cells (0,2),(0,3) on the border row and (1,2),(1,3) just inside, enclosed by contour cells.
        var g = Grid(7, 0.8, [(2, 2), (2, 3), (1, 1), (1, 4), (0, 1), (0, 4)], [(0, 2), (0, 3), (1, 2), (1, 3)]);
        var e = InwardEnhancement.Apply(g, 7, 7, dStrength: 0.8, dDistance: 1.0);
        AssertOnlyChanged(g, e, 7, (1, 2, 0.8 * E2), (1, 3, 0.8 * E2));
    }

    [Fact]
    public void OneCellRegionIsNotPromoted()
    {
        var g = Grid(7, 0.85, [(2, 3), (4, 3), (3, 2), (3, 4)], [(3, 3)]);
        var e = InwardEnhancement.Apply(g, 7, 7, dStrength: 0.8, dDistance: 1.0);
        AssertOnlyChanged(g, e, 7);
    }

    // 11x11: a low strip on row 5, columns 1..9; its outer boundary has 20 cells.
    private static readonly (int, int)[] Strip = Enumerable.Range(1, 9).Select(c => (5, c)).ToArray();

    [Fact]
    public void RegionWithTooFewBoundaryCellsNearTheContourIsNotPromoted()
    {
        // One contour cell at (4,1): 5 of the 20 boundary cells are within distance 2 (25 % < 30 %),
        // although (5,1) itself is within d_distance of the contour.
        var g = Grid(11, 0.5, [(4, 1)], Strip);
        var e = InwardEnhancement.Apply(g, 11, 11, dStrength: 0.8, dDistance: 1.0);
        AssertOnlyChanged(g, e, 11);
    }

    [Fact]
    public void RegionWithEnoughBoundaryCellsNearTheContourIsPromoted()
    {
        // Contour at (4,1) and (4,9): 10 of 20 boundary cells are close (50 %). Only cells within
        // d_distance = 1 of the contour are promoted.
        var g = Grid(11, 0.5, [(4, 1), (4, 9)], Strip);
        var e = InwardEnhancement.Apply(g, 11, 11, dStrength: 0.8, dDistance: 1.0);
        AssertOnlyChanged(g, e, 11, (5, 1, 0.8 * E2), (5, 9, 0.8 * E2));
    }

    [Fact]
    public void DistancesAreEuclidean()
    {
        // d_distance = 2: weight exp(-dist); (5,2) is sqrt(2) from (4,1) (city-block would say 2, chessboard 1),
        // (5,3) is sqrt(5) > 2 away and stays.
        var g = Grid(11, 0.5, [(4, 1), (4, 9)], Strip);
        var e = InwardEnhancement.Apply(g, 11, 11, dStrength: 0.8, dDistance: 2.0);
        double w1 = 0.8 * Math.Exp(-1.0), wr2 = 0.8 * Math.Exp(-Math.Sqrt(2.0));
        AssertOnlyChanged(g, e, 11, (5, 1, w1), (5, 2, wr2), (5, 8, wr2), (5, 9, w1));
    }

    [Fact]
    public void ContourMeanScalesTheIncrement()
    {
        // Contour cells at 0.9 and 1.0 (mean 0.95 over the 6 contour cells: four at 1.0, two at 0.9).
        var g = Grid(7, 0.8, DiagonalContour, DiagonalLow);
        g[1 * 7 + 2] = 0.9;
        g[4 * 7 + 3] = 0.9;
        var e = InwardEnhancement.Apply(g, 7, 7, dStrength: 0.8, dDistance: 1.0);
        double mean = (4 * 1.0 + 2 * 0.9) / 6;
        AssertOnlyChanged(g, e, 7, (2, 2, mean * 0.8 * E2), (3, 3, mean * 0.8 * E2));
    }

    [Fact]
    public void ConstantSliceIsReturnedUnchangedAndInputIsNotModified()
    {
        var g = Enumerable.Repeat(0.3, 36).ToArray();
        var e = InwardEnhancement.Apply(g, 6, 6, 0.8, 1.0);
        Assert.NotSame(g, e);
        Assert.Equal(g, e);

        var d = Grid(7, 0.8, DiagonalContour, DiagonalLow);
        var copy = (double[])d.Clone();
        InwardEnhancement.Apply(d, 7, 7, 0.8, 1.0);
        Assert.Equal(copy, d);
    }

    [Fact]
    public void WrongGridLengthThrows()
    {
        var ex = Assert.Throws<ArgumentException>(() => InwardEnhancement.Apply(new double[10], 3, 3, 0.8, 1.0));
        Assert.Contains("3x3", ex.Message);
    }
}
