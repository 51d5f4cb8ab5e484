using static TorchSharp.torch;

namespace Jano.Core.Sampling;

/// <summary>
/// One run of an <see cref="IUpdateRule"/> over a schedule. Owns the tensors it keeps between steps (disposed with it).
/// </summary>
public interface ISamplerRun : IDisposable
{
    /// <summary>The schedule this run steps along.</summary>
    SigmaSchedule Schedule { get; }

    /// <summary>
    /// Step <paramref name="index"/>: the sample at σ_index and the (guided) velocity predicted there → the sample at
    /// σ_index+1, a new tensor in the sample's dtype; the inputs are untouched. Steps must come in order 0, 1, … for
    /// multistep rules (<see cref="InvalidOperationException"/> otherwise).
    /// </summary>
    Tensor Advance(Tensor velocity, int index, Tensor sample);
}
