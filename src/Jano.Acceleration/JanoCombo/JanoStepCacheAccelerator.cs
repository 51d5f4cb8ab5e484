using Jano.Core.Acceleration;
using Jano.Acceleration.JanoMethod;

namespace Jano.Acceleration.JanoCombo;

/// <summary>Jano with a step-level cache on top (<c>jano+teacache</c>, <c>jano+magcache</c>, <c>jano+easycache</c>, or any
/// <see cref="Common.IStepCacheOptions"/>); see <see cref="JanoStepCacheSession"/>.</summary>
public sealed class JanoStepCacheAccelerator : IAccelerator
{
    public JanoStepCacheAccelerator(JanoStepCacheOptions options)
    {
        options.CheckRanges();
        ComboOptions = options;
    }

    /// <summary>The resolved options.</summary>
    public JanoStepCacheOptions ComboOptions { get; }

    public string Name => ComboOptions.Name;

    public IReadOnlyList<KeyValuePair<string, string>> Options => ComboOptions.ToPairs();

    /// <summary>Jano's checks (the step cache's rule depends on no model or run size).</summary>
    public void Validate(TransformerDescriptor model, int steps, IReadOnlyList<GuidanceBranch> branches) =>
        new JanoAccelerator(ComboOptions.Jano).Validate(model, steps, branches);

    public IAcceleratorSession Begin(TransformerDescriptor model, GenerationPlan plan)
    {
        Validate(model, plan.Steps, plan.Branches);
        return new JanoStepCacheSession(ComboOptions, model, plan);
    }
}
