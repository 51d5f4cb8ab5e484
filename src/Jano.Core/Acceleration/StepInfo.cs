namespace Jano.Core.Acceleration;

/// <summary>One denoising step as the sampler sees it.</summary>
/// <param name="Index">0-based step index.</param>
/// <param name="Count">Total number of steps N.</param>
/// <param name="Sigma">Noise level of the latent entering this step (1 = pure noise).</param>
/// <param name="SigmaNext">Noise level after this step.</param>
public sealed record StepInfo(int Index, int Count, double Sigma, double SigmaNext)
{
    /// <summary>1-based step number t as used in the paper and spec.</summary>
    public int Number => Index + 1;
}
