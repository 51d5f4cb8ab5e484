namespace Jano.Engine.Pipelines;

/// <summary>One denoising step of a generation: its level label, tokens computed (all branches), wall time.</summary>
public sealed record StepRecord(int Index, string Level, long TokensComputed, double Seconds, string? Note);
