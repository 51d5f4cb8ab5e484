using Jano.Core.Acceleration;
using static TorchSharp.torch;

namespace Jano.Core.Diffusion;

/// <summary>A denoising transformer that predicts the flow-matching velocity. Implemented by each model port.</summary>
public interface IDiffusionTransformer : IDisposable
{
    /// <summary>Device the weights live on.</summary>
    Device Device { get; }

    /// <summary>Compute dtype of the weights.</summary>
    ScalarType DType { get; }

    /// <summary>Sizes and token layout for a latent of shape [C, T, H, W].</summary>
    TransformerDescriptor Describe(long[] latentShape);

    /// <summary>
    /// Velocity for latents x [B, C, T, H, W] at timesteps t [B] (σ·1000), with <paramref name="condition"/> (the members the
    /// model needs, see <see cref="DiffusionCondition"/>). Returns [B, C, T, H, W] in the model dtype. Every seam point of
    /// <paramref name="hooks"/> is called.
    /// </summary>
    Tensor Forward(Tensor x, Tensor t, DiffusionCondition condition, ITransformerHooks hooks);
}
