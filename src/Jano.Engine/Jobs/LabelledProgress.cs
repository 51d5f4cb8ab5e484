using Jano.Engine.Pipelines;

namespace Jano.Engine.Jobs;

/// <summary>Forwards a pipeline's reports synchronously with <see cref="GenerationProgress.Run"/> set to a job's label
/// for the run (e.g. <c>full 1/3</c>).</summary>
public sealed class LabelledProgress(IProgress<GenerationProgress> inner, string run) : IProgress<GenerationProgress>
{
    public void Report(GenerationProgress value) => inner.Report(value with { Run = run });

    /// <summary><paramref name="inner"/> relabelled, or null when there is nothing to report to.</summary>
    public static IProgress<GenerationProgress>? For(IProgress<GenerationProgress>? inner, string run) =>
        inner is null ? null : new LabelledProgress(inner, run);
}
