using Jano.Core.Acceleration;

namespace Jano.Acceleration.TeaCache;

/// <summary>TeaCache (ali-vilab/TeaCache): skips the whole block stack while the accumulated rescaled change of the first block's modulated input stays below a threshold.</summary>
public sealed class TeaCacheAccelerator : IAccelerator
{
    public TeaCacheAccelerator(TeaCacheOptions options)
    {
        options.CheckRanges();
        TeaCacheOptions = options;
    }

    public TeaCacheOptions TeaCacheOptions { get; }

    public string Name => "teacache";

    public IReadOnlyList<KeyValuePair<string, string>> Options => TeaCacheOptions.ToPairs();

    /// <summary>Nothing depends on the model or the run: the options were range-checked when the accelerator was made.</summary>
    public void Validate(TransformerDescriptor model, int steps, IReadOnlyList<GuidanceBranch> branches)
    {
    }

    public IAcceleratorSession Begin(TransformerDescriptor model, GenerationPlan plan) => new TeaCacheSession(TeaCacheOptions, model, plan);
}
