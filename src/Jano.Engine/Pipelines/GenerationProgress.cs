namespace Jano.Engine.Pipelines;

/// <summary>
/// One progress report of a generation, rich enough for a live view: reported once when a stage starts and, while
/// denoising, once per finished step.
/// </summary>
public sealed record GenerationProgress
{
    public required GenerationStage Stage { get; init; }

    /// <summary>Which run: the accelerator's name (jobs that run several generations relabel it, e.g. <c>full 1/3</c>).</summary>
    public string Run { get; init; } = "";

    /// <summary>Steps finished (0 before the first).</summary>
    public int Step { get; init; }

    /// <summary>Steps of the run.</summary>
    public int Steps { get; init; }

    /// <summary>The step's phase: <c>warm-up</c> and <c>cool-down</c> for the steps inside an accelerator's
    /// <c>warmup_steps</c>/<c>cooldown_steps</c>, <c>interleaved</c> between them for Jano, otherwise the accelerator's
    /// label of the step (<c>full</c>, <c>ras</c>, …). Empty outside <see cref="GenerationStage.Denoise"/>.</summary>
    public string Phase { get; init; } = "";

    /// <summary>The step's level label (<c>full</c>, Jano's <c>L1</c>–<c>L3</c>, <c>skip</c>, …).</summary>
    public string Level { get; init; } = "";

    /// <summary>Latent tokens the step computed, summed over guidance branches.</summary>
    public long TokensComputed { get; init; }

    /// <summary>The accelerator's note on the step (e.g. <c>analysis</c>), if any.</summary>
    public string? Note { get; init; }

    /// <summary>Time since the stage started.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>On the step whose <see cref="Note"/> is <c>analysis</c>: the token levels the accelerator assigned (1 static,
    /// 2 moderate, 3 active, token order), else null.</summary>
    public int[]? TokenLevels { get; init; }

    /// <summary>Token grid (T, H, W) of <see cref="TokenLevels"/>.</summary>
    public (int T, int H, int W)? TokenGrid { get; init; }

    /// <summary>On the steps <see cref="GenerationSettings.PreviewEvery"/> asks for: the pipeline's
    /// <see cref="IDiffusionPipeline.Preview"/> of the clean picture predicted at that step, else null.</summary>
    public Output.Frame8? Preview { get; init; }
}
