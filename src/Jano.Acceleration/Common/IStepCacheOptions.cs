using Jano.Core.Acceleration;

namespace Jano.Acceleration.Common;

/// <summary>
/// The options of a step-level cache seen through its skip rule, so that Jano can layer any step cache of the catalog
/// (<c>jano+NAME</c>): which option keys the rule reads, whether it is off, and the rule itself. The cache's schedule keys
/// (its own warm-up, cool-down or retention) are not rule keys: on Jano, Jano's protected steps take their place.
/// </summary>
public interface IStepCacheOptions
{
    /// <summary>Catalog name of the step cache (e.g. "teacache").</summary>
    string Method { get; }

    /// <summary>Option keys (aliases included) its rule reads.</summary>
    IReadOnlyList<string> RuleKeys { get; }

    /// <summary>True when the rule can never skip.</summary>
    bool IsOff { get; }

    /// <summary>Applies <c>k=v</c> pairs of <see cref="RuleKeys"/>; bad values are errors naming the key.</summary>
    IStepCacheOptions WithRule(IEnumerable<KeyValuePair<string, string>> pairs);

    /// <summary>The rule's resolved options as key/value text, in the method's option order.</summary>
    IReadOnlyList<KeyValuePair<string, string>> RulePairs();

    /// <summary>Range checks; throws <see cref="ArgumentException"/> naming the key.</summary>
    void CheckRanges();

    /// <summary>A fresh rule for one generation.</summary>
    IStepSkipRule CreateRule(TransformerDescriptor model, GenerationPlan plan);
}
