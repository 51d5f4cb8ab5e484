using Jano.Core.Acceleration;

namespace Jano.Acceleration.MagCache;

/// <summary>MagCache (Zehong-Ma/MagCache): skips the block stack while the accumulated magnitude-ratio error stays under a threshold, at most K steps in a row.</summary>
public sealed class MagCacheAccelerator : IAccelerator
{
    public MagCacheAccelerator(MagCacheOptions options)
    {
        options.CheckRanges();
        MagCacheOptions = options;
    }

    public MagCacheOptions MagCacheOptions { get; }

    public string Name => "magcache";

    public IReadOnlyList<KeyValuePair<string, string>> Options => MagCacheOptions.ToPairs();

    /// <summary>Nothing depends on the model or the run: the options were range-checked when the accelerator was made.</summary>
    public void Validate(TransformerDescriptor model, int steps, IReadOnlyList<GuidanceBranch> branches)
    {
    }

    public IAcceleratorSession Begin(TransformerDescriptor model, GenerationPlan plan) => new MagCacheSession(MagCacheOptions, plan);
}
