namespace Jano.Engine.Pipelines;

/// <summary>One-call uses of <see cref="IDiffusionPipeline"/>.</summary>
public static class DiffusionPipelineExtensions
{
    /// <summary>Stage 1 for one request.</summary>
    public static EncodedCondition EncodeCondition(this IDiffusionPipeline pipeline, GenerationSettings settings,
        IProgress<GenerationProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        return pipeline.EncodeConditions([settings], progress, cancel)[0];
    }
}
