namespace Jano.Core.Sampling;

/// <summary>
/// The noise levels of one run: N + 1 values σ_0 … σ_N (σ_N = 0) that the update rule steps between, and the N model
/// timesteps (what the denoiser is told at step i, σ·1000 unless the schedule says otherwise).
/// </summary>
public sealed record SigmaSchedule
{
    /// <summary>Checks the lengths and that the last level is 0.</summary>
    public SigmaSchedule(IReadOnlyList<double> sigmas, IReadOnlyList<double> timesteps)
    {
        ArgumentNullException.ThrowIfNull(sigmas);
        ArgumentNullException.ThrowIfNull(timesteps);
        if (timesteps.Count < 1) throw new ArgumentException("a schedule needs at least one step", nameof(timesteps));
        if (sigmas.Count != timesteps.Count + 1)
            throw new ArgumentException($"{sigmas.Count} noise levels for {timesteps.Count} steps; expected steps + 1", nameof(sigmas));
        if (sigmas[^1] != 0.0) throw new ArgumentException("the last noise level must be 0", nameof(sigmas));
        Sigmas = sigmas.ToArray();
        Timesteps = timesteps.ToArray();
    }

    /// <summary>N + 1 noise levels, last = 0.</summary>
    public IReadOnlyList<double> Sigmas { get; }

    /// <summary>N model timesteps, one per step.</summary>
    public IReadOnlyList<double> Timesteps { get; }

    /// <summary>Number of steps N.</summary>
    public int Steps => Timesteps.Count;
}
