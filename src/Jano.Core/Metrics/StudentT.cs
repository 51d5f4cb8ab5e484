namespace Jano.Core.Metrics;

/// <summary>
/// Two-sided p-values from Student's t distribution, for the study's correlation tests: the p-value of a Spearman
/// coefficient over n pairs (t = r·√((n − 2)/(1 − r²)), n − 2 degrees of freedom, as <c>scipy.stats.spearmanr</c>
/// reports it) and of a one-sample t-test of a mean against 0.
/// </summary>
public static class StudentT
{
    /// <summary>P(|T| ≥ |t|) for Student's t with <paramref name="df"/> degrees of freedom: I_{df/(df+t²)}(df/2, 1/2).</summary>
    /// <exception cref="ArgumentOutOfRangeException">df is not positive.</exception>
    public static double TwoSidedP(double t, double df)
    {
        if (!(df > 0)) throw new ArgumentOutOfRangeException(nameof(df), df, "degrees of freedom must be positive");
        if (double.IsNaN(t)) return double.NaN;
        if (double.IsInfinity(t)) return 0;
        return RegularizedBeta(df / (df + t * t), df / 2, 0.5);
    }

    /// <summary>Two-sided p-value of a Spearman (or Pearson) coefficient <paramref name="r"/> over <paramref name="n"/> pairs;
    /// NaN for n &lt; 3 or an undefined r.</summary>
    public static double CorrelationP(double r, int n)
    {
        if (n < 3 || double.IsNaN(r)) return double.NaN;
        if (Math.Abs(r) >= 1) return 0;
        return TwoSidedP(r * Math.Sqrt((n - 2) / (1 - r * r)), n - 2);
    }

    /// <summary>Two-sided p-value of a one-sample t-test of the mean of <paramref name="values"/> against 0 (finite values
    /// only; NaN with fewer than 2, or when they are all equal).</summary>
    public static double MeanP(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var v = values.Where(double.IsFinite).ToArray();
        if (v.Length < 2) return double.NaN;
        double mean = v.Average();
        double sd = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
        if (sd == 0) return mean == 0 ? 1 : 0;
        return TwoSidedP(mean / (sd / Math.Sqrt(v.Length)), v.Length - 1);
    }

    // Regularized incomplete beta I_x(a, b) by its continued fraction (modified Lentz), using the symmetry
    // I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges faster.
    private static double RegularizedBeta(double x, double a, double b)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double lnFront = LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x);
        if (x < (a + 1) / (a + b + 2)) return Math.Exp(lnFront) * BetaFraction(x, a, b) / a;
        return 1 - Math.Exp(lnFront) * BetaFraction(1 - x, b, a) / b;
    }

    private static double BetaFraction(double x, double a, double b)
    {
        const double tiny = 1e-300, eps = 1e-15;
        double c = 1, d = 1 - (a + b) * x / (a + 1);
        if (Math.Abs(d) < tiny) d = tiny;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 500; m++)
        {
            int m2 = 2 * m;
            double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 + num * d; if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + num / c; if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            h *= d * c;
            num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 + num * d; if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + num / c; if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            double step = d * c;
            h *= step;
            if (Math.Abs(step - 1) < eps) break;
        }
        return h;
    }

    // ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ~1e-15).
    private static double LogGamma(double x)
    {
        double[] g =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        if (x < 0.5) return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        x -= 1;
        double sum = g[0];
        for (int i = 1; i < 9; i++) sum += g[i] / (x + i);
        double t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }
}
