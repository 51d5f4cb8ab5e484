using Jano.Core.Acceleration;
using static TorchSharp.torch;

namespace Jano.Acceleration.Common;

/// <summary>
/// What a step-level cache may observe of one forward's block stack (<see cref="ITransformerHooks.RunBlockStack"/>): the
/// stack input x [B, n, C] of the rows the forward computes, the lazily computed probe (block 0's modulated input, [B, n, C])
/// and which of the N latent tokens those rows are (every token, or the subset of a Jano cheap step).
/// </summary>
/// <param name="Input">Stack input x [B, n, C].</param>
/// <param name="Probe">Computes the probe [B, n, C] (TeaCache's signal); each call runs the first block's modulation.</param>
/// <param name="Selection">The computed latent tokens; null for every token.</param>
public sealed record StackSignal(Tensor Input, Func<Tensor> Probe, TokenSelection? Selection = null)
{
    /// <summary>True when the forward computes every latent token.</summary>
    public bool IsFull => Selection is null || Selection.IsAll;
}
