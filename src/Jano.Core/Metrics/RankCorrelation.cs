namespace Jano.Core.Metrics;

/// <summary>Rank correlation, as used by the paper to relate block complexity and convergence (Section 3, Fig. 4a).</summary>
public static class RankCorrelation
{
    /// <summary>
    /// Spearman's rank correlation coefficient, equal to <c>scipy.stats.spearmanr(x, y).correlation</c>: each side is replaced by
    /// its ranks (1-based; tied values share the average of the ranks they span, <c>scipy.stats.rankdata</c> "average"), then the
    /// Pearson correlation of the two rank vectors is returned, clipped to [−1, 1].
    /// </summary>
    /// <returns>NaN when either side is constant, when fewer than two pairs are given, or when any value is NaN.</returns>
    /// <exception cref="ArgumentException">The vectors differ in length.</exception>
    public static double Spearman(double[] x, double[] y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Length != y.Length)
            throw new ArgumentException($"x and y differ in length: {x.Length} vs {y.Length}", nameof(y));
        if (x.Length < 2 || x.Any(double.IsNaN) || y.Any(double.IsNaN)) return double.NaN;

        var rx = AverageRanks(x);
        var ry = AverageRanks(y);
        double mx = Mean(rx), my = Mean(ry);
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < rx.Length; i++)
        {
            double dx = rx[i] - mx, dy = ry[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        if (sxx == 0 || syy == 0) return double.NaN;
        return Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1.0, 1.0);
    }

    /// <summary>1-based ranks; a run of tied values gets the mean of the ranks it spans.</summary>
    internal static double[] AverageRanks(double[] v)
    {
        var order = Enumerable.Range(0, v.Length).ToArray();
        Array.Sort(order, (i, j) => v[i].CompareTo(v[j]));
        var ranks = new double[v.Length];
        int start = 0;
        while (start < order.Length)
        {
            int end = start + 1;
            while (end < order.Length && v[order[end]] == v[order[start]]) end++;
            double rank = (start + 1 + end) / 2.0;      // mean of start+1 .. end
            for (int k = start; k < end; k++) ranks[order[k]] = rank;
            start = end;
        }
        return ranks;
    }

    private static double Mean(double[] v)
    {
        double s = 0;
        foreach (var x in v) s += x;
        return s / v.Length;
    }
}
