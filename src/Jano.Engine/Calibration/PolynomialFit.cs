namespace Jano.Engine.Calibration;

/// <summary>Least-squares polynomial fit (like numpy.polyfit): coefficients highest power first.</summary>
public static class PolynomialFit
{
    /// <summary>Fits y ≈ Σ c_k x^(degree−k). x is scaled by max|x| for conditioning; the normal equations are solved
    /// in double by Gaussian elimination with partial pivoting.</summary>
    public static double[] Fit(IReadOnlyList<double> x, IReadOnlyList<double> y, int degree)
    {
        if (x.Count != y.Count) throw new ArgumentException("x and y must have the same length");
        if (degree < 0) throw new ArgumentException("degree must not be negative");
        if (x.Count <= degree) throw new ArgumentException($"a degree-{degree} fit needs more than {degree} points (got {x.Count})");
        double s = x.Max(v => Math.Abs(v));
        if (!(s > 0)) s = 1;
        int m = degree + 1;
        var a = new double[m, m + 1];
        for (int i = 0; i < x.Count; i++)
        {
            var pow = new double[m];
            double u = x[i] / s, p = 1;
            for (int k = 0; k < m; k++) { pow[k] = p; p *= u; }            // pow[k] = u^k
            for (int r = 0; r < m; r++)
            {
                for (int c = 0; c < m; c++) a[r, c] += pow[r] * pow[c];
                a[r, m] += pow[r] * y[i];
            }
        }
        var b = Solve(a, m);                                                   // b[k]: coefficient of u^k
        var coefficients = new double[m];
        for (int k = 0; k < m; k++) coefficients[degree - k] = b[k] / Math.Pow(s, k);
        return coefficients;
    }

    /// <summary>Evaluates the polynomial (highest power first) at x.</summary>
    public static double Evaluate(IReadOnlyList<double> coefficients, double x)
    {
        double y = 0;
        foreach (var c in coefficients) y = y * x + c;
        return y;
    }

    private static double[] Solve(double[,] a, int m)
    {
        for (int col = 0; col < m; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < m; r++) if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col])) pivot = r;
            if (Math.Abs(a[pivot, col]) < 1e-300) throw new ArgumentException("polynomial fit is singular (too few distinct x values)");
            for (int c = 0; c <= m; c++) (a[col, c], a[pivot, c]) = (a[pivot, c], a[col, c]);
            for (int r = 0; r < m; r++)
            {
                if (r == col) continue;
                double f = a[r, col] / a[col, col];
                for (int c = col; c <= m; c++) a[r, c] -= f * a[col, c];
            }
        }
        var x = new double[m];
        for (int r = 0; r < m; r++) x[r] = a[r, m] / a[r, r];
        return x;
    }
}
