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

    public IAcceleratorSession Begin(TransformerDescriptor model, GenerationPlan plan) => new MagCacheSession(MagCacheOptions, plan);
}
