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

    public IAcceleratorSession Begin(TransformerDescriptor model, GenerationPlan plan) => new ToCaSession(ToCaOptions, model);
}
