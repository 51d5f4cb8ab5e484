using Jano.Acceleration.JanoMethod;
using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Tests.JanoMethod;

/// <summary>
/// Drives <see cref="JanoHooks"/> through level 3 on one latent, level 2 on a second and level 1 on a third (so cheap steps
/// really use stale frozen-token caches), with the cache options under test. Owns the three outputs.
/// </summary>
public sealed class JanoCacheRun : IDisposable
{
    public static GuidanceBranch[] Rows => TestModels.CondUncond;

    private JanoCacheRun(Tensor[] outputs, long frozenPeak, long outputBytes, Device? storedOn)
    {
        Outputs = outputs;
        FrozenPeakBytes = frozenPeak;
        OutputBytes = outputBytes;
        StoredOn = storedOn;
    }

    /// <summary>Outputs of the level-3, level-2 and level-1 forwards.</summary>
    public Tensor[] Outputs { get; }

    public long FrozenPeakBytes { get; }

    public long OutputBytes { get; }

    /// <summary>Device of a cached tensor after the run.</summary>
    public Device? StoredOn { get; }

    /// <summary><paramref name="forward"/>(step index, hooks) runs the model on that step's latent.</summary>
    public static JanoCacheRun Run(Func<int, ITransformerHooks, Tensor> forward, int[] levels, JanoCacheMode mode,
        ScalarType? cacheDType = null, Device? cacheDevice = null)
    {
        using var partition = new TokenPartition(levels, CPU);
        using var cache = new FrozenKvCache(Rows, cacheDType, cacheDevice);
        using var buffer = new OutputBuffer(Rows);
        var outputs = new List<Tensor>();
        int step = 0;
        foreach (var level in new[] { 3, 2, 1 })
        {
            var y = forward(step++, new JanoHooks(level, partition, cache, buffer, Rows, mode));
            outputs.Add(y);
        }
        Device? storedOn = cache.Frozen(Rows, 0)[0].device;
        return new JanoCacheRun(outputs.ToArray(), cache.PeakBytes, buffer.Bytes, storedOn);
    }

    /// <summary>Largest max-abs difference over the three outputs.</summary>
    public float MaxAbsDiff(JanoCacheRun other) => Outputs.Zip(other.Outputs).Max(p => TestModels.MaxAbsDiff(p.First, p.Second));

    public bool BitEqual(JanoCacheRun other) => Outputs.Zip(other.Outputs).All(p => TestModels.BitEqual(p.First, p.Second));

    public void Dispose()
    {
        foreach (var t in Outputs) t.Dispose();
    }
}
