namespace Jano.Core.Acceleration;

/// <summary>What an accelerator did in one step.</summary>
/// <param name="Level">Step label: "full" for an unaccelerated step, otherwise method-specific (Jano: "L1", "L2", "L3").</param>
/// <param name="TokensComputed">Latent tokens that went through the blocks, summed over branches.</param>
/// <param name="Note">Optional extra (e.g. "analysis").</param>
public sealed record StepSummary(string Level, long TokensComputed, string? Note = null);
