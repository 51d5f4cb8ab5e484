using static TorchSharp.torch;

namespace Jano.Core.Sampling;

/// <summary>Flow-matching Euler solver: x ← x + (σ_next − σ)·v, in the latent's dtype (fp32 in the pipelines).</summary>
public sealed class FlowMatchEulerSampler
{
    public FlowMatchEulerSampler(int steps, double shift)
    {
        Sigmas = FlowMatchSchedule.Sigmas(steps, shift);
    }

    /// <summary>N + 1 noise levels, last = 0.</summary>
    public double[] Sigmas { get; }

    public int Steps => Sigmas.Length - 1;

    /// <summary>Model timestep for step <paramref name="index"/>: σ·1000.</summary>
    public double Timestep(int index) => Sigmas[index] * 1000.0;

    /// <summary>One Euler step; returns a new tensor (inputs untouched).</summary>
    public Tensor Step(Tensor velocity, int index, Tensor sample)
    {
        double dt = Sigmas[index + 1] - Sigmas[index];
        using var v = velocity.dtype == sample.dtype ? velocity.alias() : velocity.to(sample.dtype);
        return sample.add(v, alpha: dt);
    }
}
