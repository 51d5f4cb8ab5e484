namespace Jano.Acceleration.JanoMethod;

/// <summary>Jano's cache memory for one generation, by part (bytes; see <see cref="JanoCacheMemory"/>).</summary>
/// <param name="FrozenBytes">Frozen-token caches (K and V, or the self-attention inputs) of every layer and branch row.</param>
/// <param name="OutputBytes">The per-branch full-sequence output buffer.</param>
public sealed record JanoCacheEstimate(long FrozenBytes, long OutputBytes)
{
    /// <summary>What <c>AcceleratorReport.CacheBytes</c> reports: frozen caches at their peak plus the output buffer.</summary>
    public long TotalBytes => FrozenBytes + OutputBytes;
}
