using Jano.Core.Acceleration;
using Jano.Engine.Pipelines;
using static TorchSharp.torch;

namespace Jano.Bridge;

/// <summary>One <see cref="JanoModel.GenerateAsync"/> call on a backend: holds what the runs share (Wan2.1: the encoded
/// prompts).</summary>
internal interface IBackendRun : IDisposable
{
    /// <summary>One denoising loop with <paramref name="accelerator"/>; <paramref name="onStep"/> gets (done, steps).</summary>
    GenerationResult Generate(GenerationRequest request, IAccelerator accelerator, Action<int, int> onStep, CancellationToken cancel);

    /// <summary>The clip [C, F, H, W] in [-1, 1] of a final latent; the caller disposes it.</summary>
    Tensor Decode(Tensor latent);
}
