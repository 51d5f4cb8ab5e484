using Jano.Core.Acceleration;

namespace Jano.Acceleration.ToCa;

/// <summary>ToCa (Shenyi-Z/ToCa): token-wise feature caching; recomputes the highest-scoring tokens and reuses cached features of the rest.</summary>
public sealed class ToCaAccelerator : IAccelerator
{
    public ToCaAccelerator(ToCaOptions options)
    {
        options.CheckRanges();
        ToCaOptions = options;
    }

    public ToCaOptions ToCaOptions { get; }

    public string Name => "toca";

    public IReadOnlyList<KeyValuePair<string, string>> Options => ToCaOptions.ToPairs();

    /// <summary>Nothing depends on the model or the run: the options were range-checked when the accelerator was made.</summary>
    public void Validate(TransformerDescriptor model, int steps, IReadOnlyList<GuidanceBranch> branches)
    {
    }

    public IAcceleratorSession Begin(TransformerDescriptor model, GenerationPlan plan) => new ToCaSession(ToCaOptions, model);
}
