using Jano.Core.Acceleration;

namespace Jano.Acceleration.JanoMethod;

/// <summary>Jano (training-free, complexity-aware token skipping with frozen-token K/V caches).</summary>
public sealed class JanoAccelerator : IAccelerator
{
    public JanoAccelerator(JanoOptions options)
    {
        options.CheckRanges();
        JanoOptions = options;
    }

    public JanoOptions JanoOptions { get; }

    /// <summary>Per-analysis-block scores of an <c>oracle</c> map ((t, h, w) row-major on the analysis grid), or null.</summary>
    public IReadOnlyList<double>? BlockScores { get; private init; }

    /// <summary>This accelerator with the block scores an <c>oracle</c> map ranks by (measured on the same seed's full run,
    /// e.g. <c>GroundTruth.VelocityChange</c> over the interleaved phase).</summary>
    public JanoAccelerator WithBlockScores(IReadOnlyList<double> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        return new JanoAccelerator(JanoOptions) { BlockScores = scores.ToArray() };
    }

    public string Name => "jano";

    public IReadOnlyList<KeyValuePair<string, string>> Options => JanoOptions.ToPairs();

    /// <summary>The schedule must fit the run (warm-up + cool-down &lt; steps) and the analysis block the latent and patch.</summary>
    public void Validate(TransformerDescriptor model, int steps, IReadOnlyList<GuidanceBranch> branches)
    {
        ArgumentNullException.ThrowIfNull(model);
        JanoOptions.Validate(steps, model.LatentShape[1], model.Patch);
        Core.Options.RequestLimits.AnalysisBlock(JanoOptions.AnalyzeBlockSize, model.LatentShape[1], model.LatentShape[2], model.LatentShape[3]);
        if (JanoOptions.MapSource == JanoMapSource.Oracle && BlockScores is null)
            throw new Jano.Core.UsageException("map=oracle needs block scores measured on the same seed's full run; jano bench (method jano-oracle) supplies them");
    }

    public IAcceleratorSession Begin(TransformerDescriptor model, GenerationPlan plan) => new JanoSession(JanoOptions, model, plan, BlockScores);
}
