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

    public string Name => "jano";

    public IReadOnlyList<KeyValuePair<string, string>> Options => JanoOptions.ToPairs();

    /// <summary>The schedule must fit the run (warm-up + cool-down &lt; steps) and the analysis block the latent and patch.</summary>
    public void Validate(TransformerDescriptor model, int steps, IReadOnlyList<GuidanceBranch> branches)
    {
        ArgumentNullException.ThrowIfNull(model);
        JanoOptions.Validate(steps, model.LatentShape[1], model.Patch);
        Core.Options.RequestLimits.AnalysisBlock(JanoOptions.AnalyzeBlockSize, model.LatentShape[1], model.LatentShape[2], model.LatentShape[3]);
    }

    public IAcceleratorSession Begin(TransformerDescriptor model, GenerationPlan plan) => new JanoSession(JanoOptions, model, plan);
}
