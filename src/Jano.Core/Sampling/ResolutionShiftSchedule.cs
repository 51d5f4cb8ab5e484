using System.Globalization;

namespace Jano.Core.Sampling;

/// <summary>
/// FLUX.1's resolution-dependent shift (<c>get_schedule</c> in black-forest-labs/flux <c>sampling.py</c>): σ_i = 1 − i/N,
/// mu linear in the image token count from (<see cref="BaseTokens"/>, <see cref="BaseShift"/>) = (256, 0.5) to
/// (<see cref="MaxTokens"/>, <see cref="MaxShift"/>) = (4096, 1.15), σ' = e^mu / (e^mu + 1/σ − 1) (σ' = 0 at σ = 0);
/// timesteps σ'·1000. Not Wan's shift: the same steps give more high-noise time to larger images.
/// </summary>
public sealed class ResolutionShiftSchedule : ISigmaSchedule
{
    public double BaseShift { get; init; } = 0.5;

    public double MaxShift { get; init; } = 1.15;

    public int BaseTokens { get; init; } = 256;

    public int MaxTokens { get; init; } = 4096;

    public string Name => "resolution shift";

    /// <summary>mu for <paramref name="imageTokens"/> tokens: the line through (base tokens, base shift) and (max tokens, max shift).</summary>
    public double Mu(int imageTokens)
    {
        double slope = (MaxShift - BaseShift) / (MaxTokens - BaseTokens);
        return BaseShift + slope * (imageTokens - BaseTokens);
    }

    /// <summary>σ' = e^mu / (e^mu + 1/σ − 1) (<c>time_shift(mu, 1.0, t)</c>); 0 stays 0.</summary>
    public static double Shifted(double mu, double sigma)
    {
        if (sigma <= 0) return 0.0;
        double e = Math.Exp(mu);
        return e / (e + (1.0 / sigma - 1.0));
    }

    public SigmaSchedule Build(int steps, int imageTokens)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), "steps must be at least 1");
        if (imageTokens < 1) throw new ArgumentOutOfRangeException(nameof(imageTokens), "the image must have at least one token");
        double mu = Mu(imageTokens);
        var sigmas = new double[steps + 1];
        var timesteps = new double[steps];
        for (int i = 0; i < steps; i++)
        {
            sigmas[i] = Shifted(mu, 1.0 - (double)i / steps);
            timesteps[i] = sigmas[i] * 1000.0;
        }
        sigmas[steps] = 0.0;
        return new SigmaSchedule(sigmas, timesteps);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} ({BaseTokens}, {BaseShift}) to ({MaxTokens}, {MaxShift})");
}
