using Jano.Core.Acceleration;

namespace Jano.Acceleration.JanoCombo;

/// <summary>Jano with a TeaCache-style step cache on top (<c>jano+teacache</c>); see <see cref="JanoTeaCacheSession"/>.</summary>
public sealed class JanoTeaCacheAccelerator : IAccelerator
{
    public JanoTeaCacheAccelerator(JanoTeaCacheOptions options)
    {
        options.CheckRanges();
        ComboOptions = options;
    }

    /// <summary>The resolved options.</summary>
    public JanoTeaCacheOptions ComboOptions { get; }

    public string Name => "jano+teacache";

    public IReadOnlyList<KeyValuePair<string, string>> Options => ComboOptions.ToPairs();

    public IAcceleratorSession Begin(TransformerDescriptor model, GenerationPlan plan) => new JanoTeaCacheSession(ComboOptions, model, plan);
}
