namespace Jano.Core.Metrics;

/// <summary>
/// PSNR and SSIM restricted to a region of the frame (a boolean mask, one entry per pixel, row-major), and the
/// "object region" of a reference frame. Definitions (docs/eval.md):
/// <list type="bullet">
/// <item>Region PSNR: <c>10·log10(255² / MSE)</c> with the MSE over the region's pixels and all three channels.</item>
/// <item>Region SSIM: the SSIM map of <see cref="ImageQuality.Ssim"/> (7×7 uniform windows, scikit-image constants,
/// channels averaged), averaged over the region pixels that are window centres (at least 3 pixels from every border).</item>
/// </list>
/// </summary>
public static class RegionQuality
{
    /// <summary>
    /// Object region of <paramref name="reference"/>: pixels whose grey value (mean of R, G, B divided by 255, i.e.
    /// the output mapped to [0, 1]) exceeds <paramref name="threshold"/>, dilated by <paramref name="dilation"/> pixels
    /// (a pixel joins when any pixel within Chebyshev distance <paramref name="dilation"/> is above the threshold).
    /// </summary>
    public static bool[] ObjectRegion(RgbFrame reference, double threshold = 0.1, int dilation = 2)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (dilation < 0) throw new ArgumentException($"dilation ({dilation}) must not be negative");
        int w = reference.Width, h = reference.Height;
        var seed = new bool[w * h];
        for (int i = 0; i < seed.Length; i++)
        {
            double grey = (reference.Pixels[3 * i] + reference.Pixels[3 * i + 1] + reference.Pixels[3 * i + 2]) / (3.0 * 255.0);
            seed[i] = grey > threshold;
        }
        if (dilation == 0) return seed;
        var region = new bool[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                if (!seed[y * w + x]) continue;
                for (int yy = Math.Max(0, y - dilation); yy <= Math.Min(h - 1, y + dilation); yy++)
                    for (int xx = Math.Max(0, x - dilation); xx <= Math.Min(w - 1, x + dilation); xx++)
                        region[yy * w + xx] = true;
            }
        return region;
    }

    /// <summary>PSNR over the region; +∞ when the frames agree on every region pixel, NaN when the region is empty.</summary>
    public static double Psnr(RgbFrame a, RgbFrame b, bool[] region)
    {
        Check(a, b, region);
        long sse = 0, count = 0;
        for (int i = 0; i < region.Length; i++)
        {
            if (!region[i]) continue;
            for (int c = 0; c < 3; c++)
            {
                int d = a.Pixels[3 * i + c] - b.Pixels[3 * i + c];
                sse += d * d;
            }
            count += 3;
        }
        if (count == 0) return double.NaN;
        if (sse == 0) return double.PositiveInfinity;
        return 10.0 * Math.Log10(ImageQuality.DataRange * ImageQuality.DataRange / ((double)sse / count));
    }

    /// <summary>Mean SSIM map over the region's window centres; NaN when no region pixel is a window centre.</summary>
    /// <exception cref="ArgumentException">Sizes differ or a side is under 7 pixels.</exception>
    public static double Ssim(RgbFrame a, RgbFrame b, bool[] region)
    {
        Check(a, b, region);
        const int win = ImageQuality.SsimWindow, half = win / 2, np = win * win;
        int w = a.Width, h = a.Height;
        if (w < win || h < win) throw new ArgumentException($"SSIM needs frames of at least {win}x{win} pixels, got {a}");
        const double covNorm = np / (np - 1.0);
        const double c1 = ImageQuality.K1 * ImageQuality.DataRange * ImageQuality.K1 * ImageQuality.DataRange;
        const double c2 = ImageQuality.K2 * ImageQuality.DataRange * ImageQuality.K2 * ImageQuality.DataRange;
        double sum = 0;
        long centres = 0;
        for (int cy = half; cy < h - half; cy++)
            for (int cx = half; cx < w - half; cx++)
            {
                if (!region[cy * w + cx]) continue;
                double channels = 0;
                for (int ch = 0; ch < 3; ch++)
                {
                    long sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
                    for (int y = cy - half; y <= cy + half; y++)
                        for (int x = cx - half; x <= cx + half; x++)
                        {
                            int idx = (y * w + x) * 3 + ch;
                            int p = a.Pixels[idx], q = b.Pixels[idx];
                            sx += p; sy += q; sxx += p * p; syy += q * q; sxy += p * q;
                        }
                    double ux = sx / (double)np, uy = sy / (double)np;
                    double vx = covNorm * (sxx / (double)np - ux * ux);
                    double vy = covNorm * (syy / (double)np - uy * uy);
                    double vxy = covNorm * (sxy / (double)np - ux * uy);
                    channels += (2 * ux * uy + c1) * (2 * vxy + c2) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
                }
                sum += channels / 3.0;
                centres++;
            }
        return centres == 0 ? double.NaN : sum / centres;
    }

    /// <summary>
    /// Frame-by-frame region PSNR and SSIM of two videos with one region per frame, averaged over the frames whose
    /// value is defined (not NaN); a frame identical on its region counts as <see cref="ImageQuality.IdenticalFramePsnr"/>.
    /// <see cref="QualityResult.Psnr"/> is null when every frame is identical on its region; means are NaN when no frame has a region.
    /// </summary>
    public static QualityResult Compare(IReadOnlyList<RgbFrame> a, IReadOnlyList<RgbFrame> b, IReadOnlyList<bool[]> regions)
    {
        if (a.Count != b.Count || a.Count != regions.Count)
            throw new ArgumentException($"frame counts differ: {a.Count}, {b.Count}, {regions.Count} regions");
        if (a.Count == 0) throw new ArgumentException("videos must contain at least one frame");
        var psnr = new double[a.Count];
        var ssim = new double[a.Count];
        bool identical = true, anyDefined = false;
        for (int i = 0; i < a.Count; i++)
        {
            double p = Psnr(a[i], b[i], regions[i]);
            identical &= double.IsPositiveInfinity(p) || double.IsNaN(p);
            anyDefined |= !double.IsNaN(p);
            psnr[i] = double.IsPositiveInfinity(p) ? ImageQuality.IdenticalFramePsnr : p;
            ssim[i] = Ssim(a[i], b[i], regions[i]);
        }
        identical &= anyDefined;
        double? meanPsnr = identical ? null : MeanDefined(psnr);
        return new QualityResult(meanPsnr, MeanDefined(ssim), identical, psnr, ssim);
    }

    private static double MeanDefined(double[] v)
    {
        var defined = v.Where(x => !double.IsNaN(x)).ToArray();
        return defined.Length == 0 ? double.NaN : defined.Average();
    }

    private static void Check(RgbFrame a, RgbFrame b, bool[] region)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(region);
        if (a.Width != b.Width || a.Height != b.Height) throw new ArgumentException($"frames differ in size: {a} vs {b}");
        if (region.Length != a.Width * a.Height)
            throw new ArgumentException($"the region has {region.Length} entries but a {a} frame has {a.Width * a.Height} pixels");
    }
}
