namespace Jano.Core.Sampling;

/// <summary>
/// FLUX's noise levels (black-forest-labs/flux 802fb47 <c>sampling.py</c> <c>get_schedule</c>): N + 1 levels σ_i = 1 − i/N,
/// then for dev-style sampling the resolution-dependent shift σ' = e^μ / (e^μ + (1/σ − 1)) with μ linear in the image token
/// count through (256, base_shift = 0.5) and (4096, max_shift = 1.15) (not Wan's shift); schnell uses the unshifted levels.
/// Computed in float64 (the official code works in float32 tensors, so values agree to about 1e-7).
/// </summary>
public static class FluxSchedule
{
    /// <summary>The official default <c>base_shift</c>.</summary>
    public const double BaseShift = 0.5;

    /// <summary>The official default <c>max_shift</c>.</summary>
    public const double MaxShift = 1.15;

    /// <summary>μ for <paramref name="imageSeqLen"/> image tokens: the line through (256, base) and (4096, max), extrapolated beyond.</summary>
    public static double Mu(int imageSeqLen, double baseShift = BaseShift, double maxShift = MaxShift)
    {
        const double x1 = 256, x2 = 4096;
        double m = (maxShift - baseShift) / (x2 - x1);
        double b = baseShift - m * x1;
        return m * imageSeqLen + b;
    }

    /// <summary>The official <c>time_shift(mu, 1.0, σ)</c>: e^μ / (e^μ + (1/σ − 1)); 0 at σ = 0.</summary>
    public static double TimeShift(double mu, double sigma)
    {
        if (sigma <= 0) return 0;
        double e = Math.Exp(mu);
        return e / (e + (1.0 / sigma - 1.0));
    }

    /// <summary>
    /// N + 1 levels from 1 down to 0 for <paramref name="steps"/> steps on <paramref name="imageSeqLen"/> image tokens
    /// ((H/16)·(W/16) at H×W pixels); <paramref name="shift"/> false gives the linear schedule (schnell).
    /// </summary>
    public static double[] Sigmas(int steps, int imageSeqLen, bool shift = true, double baseShift = BaseShift, double maxShift = MaxShift)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), "steps must be at least 1");
        if (imageSeqLen < 1) throw new ArgumentOutOfRangeException(nameof(imageSeqLen), "image_seq_len must be at least 1");
        if (!double.IsFinite(baseShift) || !double.IsFinite(maxShift)) throw new ArgumentOutOfRangeException(nameof(baseShift), "shifts must be finite");
        double mu = Mu(imageSeqLen, baseShift, maxShift);
        var sigmas = new double[steps + 1];
        for (int i = 0; i <= steps; i++)
        {
            double s = 1.0 - (double)i / steps;
            sigmas[i] = shift ? TimeShift(mu, s) : s;
        }
        sigmas[steps] = 0.0;
        return sigmas;
    }
}
