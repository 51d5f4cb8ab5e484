using System.Globalization;

namespace Jano.Core.Sampling;

/// <summary>
/// σ_i = 1 − i/N, shifted σ' = shift·σ / (1 + (shift − 1)·σ) (the SD3/Wan timestep shift; shift 1 is the linear
/// schedule), timesteps σ'·1000 (<see cref="FlowMatchSchedule.Sigmas"/>).
/// </summary>
public sealed class ShiftSchedule : ISigmaSchedule
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless <paramref name="shift"/> is a positive number.</summary>
    public ShiftSchedule(double shift)
    {
        if (!(shift > 0) || double.IsInfinity(shift)) throw new ArgumentOutOfRangeException(nameof(shift), "shift must be a positive number");
        Shift = shift;
    }

    public double Shift { get; }

    public string Name => Shift == 1.0 ? "linear" : "shift " + Shift.ToString("G", CultureInfo.InvariantCulture);

    public SigmaSchedule Build(int steps, int imageTokens)
    {
        var sigmas = FlowMatchSchedule.Sigmas(steps, Shift);
        var timesteps = new double[steps];
        for (int i = 0; i < steps; i++) timesteps[i] = sigmas[i] * 1000.0;
        return new SigmaSchedule(sigmas, timesteps);
    }
}
