using static TorchSharp.torch;

namespace Jano.Core.Acceleration;

/// <summary>What an accelerator is told before a generation starts.</summary>
/// <param name="Steps">Number of denoising steps N.</param>
/// <param name="Sigmas">Noise levels, N + 1 values from the first step's to the final one (0).</param>
/// <param name="Branches">Guidance branches run each step (Cond, or Cond and Uncond).</param>
/// <param name="InitialNoise">The initial latent x_T [C, T, H, W] (fp32); the session must not keep the handle.</param>
public sealed record GenerationPlan(
    int Steps,
    double[] Sigmas,
    IReadOnlyList<GuidanceBranch> Branches,
    Tensor InitialNoise);
