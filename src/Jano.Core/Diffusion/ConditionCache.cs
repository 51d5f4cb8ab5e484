using static TorchSharp.torch;

namespace Jano.Core.Diffusion;

/// <summary>
/// What a model derives from its weights and one condition alone (the embedded text, each layer's cross-attention keys
/// and values, fp32 modulation tables), kept for one denoising run so a step does not recompute it. The pipeline makes
/// one per condition tensor of a run and disposes it when the run ends; a model that finds none recomputes. Values are
/// the same tensors the model would compute again, so results do not change. The weights must not change while it lives.
/// </summary>
public sealed class ConditionCache : IDisposable
{
    private readonly Dictionary<(object Owner, string Key), Tensor[]> _entries = [];
    private bool _disposed;

    /// <summary>Entries held.</summary>
    public int Count => _entries.Count;

    /// <summary>The tensors stored under (<paramref name="owner"/>, <paramref name="key"/>), made by <paramref name="make"/>
    /// on the first call. The cache owns them (they leave every dispose scope); callers must not dispose them.</summary>
    public Tensor[] GetOrAdd(object owner, string key, Func<Tensor[]> make)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(make);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_entries.TryGetValue((owner, key), out var found)) return found;
        var made = make();
        foreach (var t in made) t.DetachFromDisposeScope();
        _entries[(owner, key)] = made;
        return made;
    }

    /// <summary>The tensors under (<paramref name="owner"/>, <paramref name="key"/>) of <paramref name="cache"/>, or, without a
    /// cache, new ones from <paramref name="make"/> owned by the caller's dispose scope.</summary>
    public static Tensor[] Reuse(ConditionCache? cache, object owner, string key, Func<Tensor[]> make)
    {
        ArgumentNullException.ThrowIfNull(make);
        return cache is null ? make() : cache.GetOrAdd(owner, key, make);
    }

    /// <summary>Frees every entry.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var tensors in _entries.Values)
            foreach (var t in tensors) t.Dispose();
        _entries.Clear();
    }
}
