using TorchSharp;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Core.Metrics;

/// <summary>
/// Fréchet distance between two sets of feature vectors, each summarised by a Gaussian (mean, unbiased covariance):
/// <c>FD = |μ1 − μ2|² + tr(Σ1) + tr(Σ2) − 2·tr(√(√Σ1 · Σ2 · √Σ1))</c>. The trace term equals tr(√(Σ1Σ2)) and is computed
/// from symmetric matrices only: √Σ1 by eigendecomposition of Σ1 (torch.linalg.eigh, float64, negative eigenvalues of
/// rounding clipped to 0), then the eigenvalues of the symmetric PSD product √Σ1·Σ2·√Σ1, whose square roots are summed.
/// </summary>
public static class FrechetDistance
{
    /// <summary>FD between the rows of <paramref name="a"/> and the rows of <paramref name="b"/>, both row-major with
    /// <paramref name="dim"/> values per row; each set needs at least 2 rows.</summary>
    /// <exception cref="ArgumentException">A length is not a multiple of <paramref name="dim"/> or a set has fewer than 2 rows.</exception>
    public static double Between(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int dim)
    {
        var (mu1, s1) = Statistics(a, dim);
        var (mu2, s2) = Statistics(b, dim);
        return FromStatistics(mu1, s1, mu2, s2);
    }

    /// <summary>Mean and unbiased covariance (divided by N − 1, as numpy.cov) of the rows of <paramref name="x"/>.</summary>
    public static (double[] Mean, double[,] Covariance) Statistics(ReadOnlySpan<float> x, int dim)
    {
        if (dim < 1) throw new ArgumentException($"dim ({dim}) must be at least 1");
        if (x.Length % dim != 0) throw new ArgumentException($"{x.Length} values are not rows of {dim}");
        int n = x.Length / dim;
        if (n < 2) throw new ArgumentException($"a Fréchet distance needs at least 2 vectors per set, got {n}");
        var mean = new double[dim];
        for (int r = 0; r < n; r++)
            for (int j = 0; j < dim; j++) mean[j] += x[r * dim + j];
        for (int j = 0; j < dim; j++) mean[j] /= n;
        var cov = new double[dim, dim];
        var d = new double[dim];
        for (int r = 0; r < n; r++)
        {
            for (int j = 0; j < dim; j++) d[j] = x[r * dim + j] - mean[j];
            for (int i = 0; i < dim; i++)
            {
                double di = d[i];
                for (int j = i; j < dim; j++) cov[i, j] += di * d[j];
            }
        }
        for (int i = 0; i < dim; i++)
            for (int j = i; j < dim; j++)
            {
                cov[i, j] /= n - 1;
                cov[j, i] = cov[i, j];
            }
        return (mean, cov);
    }

    /// <summary>FD between the Gaussians (μ1, Σ1) and (μ2, Σ2); the covariances must be symmetric PSD of the same size.</summary>
    public static double FromStatistics(double[] mu1, double[,] sigma1, double[] mu2, double[,] sigma2)
    {
        int dim = mu1.Length;
        if (mu2.Length != dim || sigma1.GetLength(0) != dim || sigma1.GetLength(1) != dim || sigma2.GetLength(0) != dim || sigma2.GetLength(1) != dim)
            throw new ArgumentException("means and covariances must have matching sizes");
        double meanTerm = 0, trace = 0;
        for (int i = 0; i < dim; i++)
        {
            double diff = mu1[i] - mu2[i];
            meanTerm += diff * diff;
            trace += sigma1[i, i] + sigma2[i, i];
        }
        using var scope = NewDisposeScope();
        var s1 = torch.tensor(sigma1, ScalarType.Float64);
        var s2 = torch.tensor(sigma2, ScalarType.Float64);
        var root1 = SymmetricSqrt(s1);
        var product = root1.matmul(s2).matmul(root1);
        product = product.Plus(product.transpose(0, 1)).mul(0.5);
        var (eigen, _) = torch.linalg.eigh(product);
        double traceSqrt = eigen.clamp_min(0).sqrt().sum().item<double>();
        double fd = meanTerm + trace - 2 * traceSqrt;
        return Math.Max(fd, 0.0);
    }

    /// <summary>√S of a symmetric PSD matrix by eigendecomposition (float64), negative eigenvalues clipped to 0.</summary>
    private static Tensor SymmetricSqrt(Tensor s)
    {
        var sym = s.Plus(s.transpose(0, 1)).mul(0.5);
        var (values, vectors) = torch.linalg.eigh(sym);
        return vectors.mul(values.clamp_min(0).sqrt().unsqueeze(0)).matmul(vectors.transpose(0, 1));
    }
}
