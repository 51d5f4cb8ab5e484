namespace Jano.Core.Metrics;

/// <summary>
/// Full-reference image quality of 8-bit RGB frames, computed the way the Jano authors measure
/// (scikit-image <c>peak_signal_noise_ratio</c> and <c>structural_similarity</c>), in float64.
/// </summary>
public static class ImageQuality
{
    /// <summary>Dynamic range of the pixel values (uint8).</summary>
    public const double DataRange = 255.0;

    /// <summary>Side of the square uniform SSIM window (scikit-image default).</summary>
    public const int SsimWindow = 7;

    /// <summary>SSIM stabiliser constant K1 (scikit-image default).</summary>
    public const double K1 = 0.01;

    /// <summary>SSIM stabiliser constant K2 (scikit-image default).</summary>
    public const double K2 = 0.03;

    /// <summary>PSNR that an identical frame counts as in <see cref="Compare"/> (its true PSNR is +infinity).</summary>
    public const double IdenticalFramePsnr = 60.0;

    /// <summary>
    /// Peak signal-to-noise ratio in dB: <c>10·log10(255² / MSE)</c>, MSE over all pixels and all three channels.
    /// Equals <c>skimage.metrics.peak_signal_noise_ratio(a, b, data_range=255)</c>.
    /// </summary>
    /// <returns><see cref="double.PositiveInfinity"/> when the frames are identical.</returns>
    /// <exception cref="ArgumentException">The frames differ in size.</exception>
    public static double Psnr(RgbFrame a, RgbFrame b)
    {
        CheckPair(a, b);
        var pa = a.Pixels;
        var pb = b.Pixels;
        long sse = 0;
        for (int i = 0; i < pa.Length; i++)
        {
            int d = pa[i] - pb[i];
            sse += d * d;
        }
        if (sse == 0) return double.PositiveInfinity;
        double mse = (double)sse / pa.Length;
        return 10.0 * Math.Log10(DataRange * DataRange / mse);
    }

    /// <summary>
    /// Mean structural similarity, equal to
    /// <c>skimage.metrics.structural_similarity(a, b, channel_axis=2, data_range=255)</c> with its defaults:
    /// 7×7 uniform window, K1 = 0.01, K2 = 0.03, sample covariance (window statistics scaled by 49/48),
    /// C1 = (K1·255)², C2 = (K2·255)². Per channel, the SSIM map is averaged over the window centres that lie
    /// at least 3 pixels from every border (scikit-image crops (7−1)/2 on each side), then the three channel means are averaged.
    /// </summary>
    /// <returns>A value in [−1, 1]; exactly 1 for identical frames.</returns>
    /// <exception cref="ArgumentException">The frames differ in size, or either side is smaller than 7 pixels.</exception>
    public static double Ssim(RgbFrame a, RgbFrame b)
    {
        CheckPair(a, b);
        if (a.Width < SsimWindow || a.Height < SsimWindow)
            throw new ArgumentException($"SSIM needs frames of at least {SsimWindow}x{SsimWindow} pixels, got {a}", nameof(a));

        int w = a.Width, h = a.Height;
        int outW = w - SsimWindow + 1, outH = h - SsimWindow + 1;   // window centres kept after the crop
        const int np = SsimWindow * SsimWindow;
        const double covNorm = np / (np - 1.0);
        const double c1 = K1 * DataRange * K1 * DataRange;
        const double c2 = K2 * DataRange * K2 * DataRange;

        // Horizontal window sums of x, y, x², y², xy for one channel: [h, outW] each. The inputs are integers,
        // so every sum below is exact in int64 (at most 49·255² per window).
        var rx = new long[h * outW];
        var ry = new long[h * outW];
        var rxx = new long[h * outW];
        var ryy = new long[h * outW];
        var rxy = new long[h * outW];

        double channelSum = 0;
        for (int ch = 0; ch < 3; ch++)
        {
            for (int row = 0; row < h; row++)
            {
                int rowBase = row * w;
                for (int col = 0; col < outW; col++)
                {
                    long sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
                    for (int k = 0; k < SsimWindow; k++)
                    {
                        int idx = (rowBase + col + k) * 3 + ch;
                        int x = a.Pixels[idx], y = b.Pixels[idx];
                        sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
                    }
                    int o = row * outW + col;
                    rx[o] = sx; ry[o] = sy; rxx[o] = sxx; ryy[o] = syy; rxy[o] = sxy;
                }
            }

            double mapSum = 0;
            for (int row = 0; row < outH; row++)
            {
                for (int col = 0; col < outW; col++)
                {
                    long sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
                    for (int k = 0; k < SsimWindow; k++)
                    {
                        int o = (row + k) * outW + col;
                        sx += rx[o]; sy += ry[o]; sxx += rxx[o]; syy += ryy[o]; sxy += rxy[o];
                    }
                    double ux = sx / (double)np, uy = sy / (double)np;
                    double uxx = sxx / (double)np, uyy = syy / (double)np, uxy = sxy / (double)np;
                    double vx = covNorm * (uxx - ux * ux);
                    double vy = covNorm * (uyy - uy * uy);
                    double vxy = covNorm * (uxy - ux * uy);
                    double a1 = 2 * ux * uy + c1, a2 = 2 * vxy + c2;
                    double b1 = ux * ux + uy * uy + c1, b2 = vx + vy + c2;
                    mapSum += a1 * a2 / (b1 * b2);
                }
            }
            channelSum += mapSum / ((double)outW * outH);
        }
        return channelSum / 3.0;
    }

    /// <summary>
    /// Compares two videos (or two single images) frame by frame, then takes the arithmetic mean of the per-frame values.
    /// An identical frame counts as <see cref="IdenticalFramePsnr"/> (60 dB) in the PSNR mean; frames that differ keep their
    /// exact PSNR. <see cref="QualityResult.Psnr"/> is null and <see cref="QualityResult.Identical"/> true when every frame is identical.
    /// </summary>
    /// <exception cref="ArgumentException">The videos are empty, differ in frame count, or a frame pair differs in size
    /// (the message names the frame index), or a frame is smaller than 7×7.</exception>
    public static QualityResult Compare(IReadOnlyList<RgbFrame> a, IReadOnlyList<RgbFrame> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count)
            throw new ArgumentException($"videos differ in frame count: {a.Count} vs {b.Count}", nameof(b));
        if (a.Count == 0)
            throw new ArgumentException("videos must contain at least one frame", nameof(a));

        var psnr = new double[a.Count];
        var ssim = new double[a.Count];
        bool allIdentical = true;
        for (int i = 0; i < a.Count; i++)
        {
            CheckPair(a[i], b[i], $"frame {i}: ");
            double p = Psnr(a[i], b[i]);
            bool identical = double.IsPositiveInfinity(p);
            allIdentical &= identical;
            psnr[i] = identical ? IdenticalFramePsnr : p;
            ssim[i] = Ssim(a[i], b[i]);
        }
        double? meanPsnr = allIdentical ? null : Mean(psnr);
        return new QualityResult(meanPsnr, Mean(ssim), allIdentical, psnr, ssim);
    }

    private static void CheckPair(RgbFrame a, RgbFrame b, string context = "")
    {
        if (a is null) throw new ArgumentNullException(nameof(a), $"{context}frame is null");
        if (b is null) throw new ArgumentNullException(nameof(b), $"{context}frame is null");
        CheckLength(a, context, nameof(a));
        CheckLength(b, context, nameof(b));
        if (a.Width != b.Width || a.Height != b.Height)
            throw new ArgumentException($"{context}frames differ in size: {a} vs {b}", nameof(b));
    }

    private static void CheckLength(RgbFrame f, string context, string param)
    {
        long expected = (long)f.Width * f.Height * 3;
        if (f.Pixels is null || f.Pixels.LongLength != expected)
            throw new ArgumentException(
                $"{context}pixels must hold width*height*3 = {expected} bytes, got {f.Pixels?.LongLength ?? 0}", param);
    }

    private static double Mean(double[] v)
    {
        double s = 0;
        foreach (var x in v) s += x;
        return s / v.Length;
    }
}
