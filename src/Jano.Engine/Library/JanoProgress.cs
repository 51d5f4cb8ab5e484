namespace Jano;

/// <summary>Progress of a <see cref="JanoModel.GenerateAsync"/> call, reported after each denoising step and at each phase
/// change.</summary>
/// <param name="Phase">What runs: <c>encode</c>, <c>load</c> (Wan2.1), <c>warm-up</c>, <c>full R/N</c> (the full-compute
/// run of a comparison), <c>ACCEL R/N</c> (the requested run, e.g. <c>jano 1/1</c>), <c>decode</c>.</param>
/// <param name="Step">Steps done in this phase (0 at its start).</param>
/// <param name="Steps">Steps of this phase.</param>
/// <param name="Level">The finished step's label: <c>full</c>, or the accelerator's (Jano: <c>L1</c>, <c>L2</c>, <c>L3</c>);
/// null at a phase start.</param>
/// <param name="TokensComputed">Latent tokens that went through the blocks in the finished step, summed over guidance
/// branches; null at a phase start.</param>
/// <param name="Elapsed">Time since the call started.</param>
public sealed record JanoProgress(string Phase, int Step, int Steps, string? Level, long? TokensComputed, TimeSpan Elapsed)
{
    /// <summary>The finished step's place in the accelerator's schedule: <c>warm-up</c>, <c>interleaved</c> or <c>cool-down</c>
    /// for Jano (otherwise the step's label, e.g. <c>full</c>); null at a phase start and outside denoising.</summary>
    public string? StepPhase { get; init; }

    /// <summary>Jano's level map as soon as its analysis has run (on that step's report; null on the others): the token
    /// levels over a grey frame (blue static, amber moderate, red active), a montage over the frames, 2x enlarged. Null
    /// when the model's tokens are not pixel patches (Wan2.1).</summary>
    public Jano.Engine.Output.Frame8? LevelMap { get; init; }

    /// <summary>On the steps <see cref="JanoRequest.PreviewEvery"/> asks for (null on the others): the clean picture predicted
    /// at this step, x0 = x − σ·v, decoded cheaply (pixel-space models: the latent itself; the scenes model: its small
    /// autoencoder; Wan2.1 and FLUX.1: a linear latent → RGB projection at 1/8 resolution), at most 128 pixels a frame side,
    /// frames side by side (8 a row).</summary>
    public Jano.Engine.Output.Frame8? Preview { get; init; }
}
