using System.Globalization;

namespace Jano.Core.Sampling;

/// <summary>
/// The noise levels of Wan2.1's <c>FlowUniPCMultistepScheduler</c> (<c>wan/utils/fm_solvers_unipc.py</c>) as
/// <c>text2video.py</c> sets them: built with shift 1, then <c>set_timesteps(steps, shift)</c>. σ = linspace(σ_max, 0,
/// N + 1)[:-1] with σ_max = fp32(1 − 1/T), shifted σ' = shift·σ / (1 + (shift − 1)·σ), stored as fp32 with a final 0;
/// timesteps are trunc(σ'·T) from the float64 values (Wan's int64 timesteps).
/// </summary>
public sealed class UniPcSchedule : ISigmaSchedule
{
    /// <param name="shift">Timestep shift (Wan: 5.0).</param>
    /// <param name="numTrainTimesteps">Training timesteps T (Wan: 1000).</param>
    public UniPcSchedule(double shift, int numTrainTimesteps = 1000)
    {
        if (!(shift > 0) || double.IsInfinity(shift)) throw new ArgumentOutOfRangeException(nameof(shift), "shift must be a positive number");
        if (numTrainTimesteps < 2) throw new ArgumentOutOfRangeException(nameof(numTrainTimesteps), "at least 2 training timesteps");
        Shift = shift;
        NumTrainTimesteps = numTrainTimesteps;
    }

    public double Shift { get; }

    public int NumTrainTimesteps { get; }

    public string Name => "unipc shift " + Shift.ToString("G", CultureInfo.InvariantCulture);

    public SigmaSchedule Build(int steps, int imageTokens)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), "steps must be at least 1");
        // __init__ with shift 1: sigmas = 1 − linspace(1, 1/T, T)[::-1] as fp32; σ_max = sigmas[0], σ_min = sigmas[-1] = 0.
        double sigmaMax = (float)(1.0 - 1.0 / NumTrainTimesteps);
        const double sigmaMin = 0.0;
        var sigmas = new double[steps + 1];
        var timesteps = new double[steps];
        double delta = (sigmaMin - sigmaMax) / steps;
        for (int i = 0; i < steps; i++)
        {
            double s = i * delta + sigmaMax; // np.linspace(σ_max, σ_min, N + 1)[i]
            s = Shift * s / (1.0 + (Shift - 1.0) * s);
            sigmas[i] = (float)s;
            timesteps[i] = Math.Truncate(s * NumTrainTimesteps);
        }
        sigmas[steps] = 0.0;
        return new SigmaSchedule(sigmas, timesteps);
    }
}
