namespace Jano.Core.Sampling;

/// <summary>Noise levels of a flow-matching run: x_σ = (1 − σ)·x0 + σ·ε, velocity v = ε − x0.</summary>
public static class FlowMatchSchedule
{
    /// <summary>
    /// N + 1 noise levels from 1 down to 0: σ_i = 1 − i/N, then shifted σ' = shift·σ / (1 + (shift − 1)·σ)
    /// (the SD3/Wan timestep shift; shift 1 leaves the schedule linear).
    /// </summary>
    public static double[] Sigmas(int steps, double shift)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), "steps must be at least 1");
        if (!(shift > 0) || double.IsInfinity(shift)) throw new ArgumentOutOfRangeException(nameof(shift), "shift must be a positive number");
        var sigmas = new double[steps + 1];
        for (int i = 0; i <= steps; i++)
        {
            double s = 1.0 - (double)i / steps;
            sigmas[i] = shift * s / (1.0 + (shift - 1.0) * s);
        }
        sigmas[steps] = 0.0;
        return sigmas;
    }
}
