using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Models.Wan.Vae;

/// <summary>
/// The official <c>feat_cache</c> / <c>feat_idx</c> pair: one slot per cached causal convolution, visited in the same
/// order on every chunk. A slot is empty, the <c>'Rep'</c> marker (first chunk through a temporal up-sampler), or the
/// last (up to two) input frames of that convolution from the previous chunk. Owns its tensors.
/// </summary>
internal sealed class WanVaeFeatureCache : IDisposable
{
    private readonly List<Tensor?> _slots = [];
    private readonly List<bool> _rep = [];

    /// <summary>The next slot to visit (<c>feat_idx[0]</c>); reset to 0 before each chunk.</summary>
    public int Index { get; set; }

    /// <summary>Whether the current slot has never been written.</summary>
    public bool IsEmpty => Index >= _slots.Count || (_slots[Index] is null && !_rep[Index]);

    /// <summary>Whether the current slot holds the 'Rep' marker.</summary>
    public bool IsRep => Index < _slots.Count && _rep[Index];

    /// <summary>The current slot's frames, or null (empty or 'Rep').</summary>
    public Tensor? Current => Index < _slots.Count ? _slots[Index] : null;

    /// <summary>Stores <paramref name="frames"/> (taking ownership) or the 'Rep' marker (null) in the current slot and
    /// moves to the next slot.</summary>
    public void SetAndAdvance(Tensor? frames)
    {
        while (_slots.Count <= Index) { _slots.Add(null); _rep.Add(false); }
        _slots[Index]?.Dispose();
        _slots[Index] = frames?.DetachFromDisposeScope();
        _rep[Index] = frames is null;
        Index++;
    }

    /// <summary>The official cache update of a causal 3x3x3 convolution: the last two frames of <paramref name="x"/>,
    /// preceded by the slot's last frame when <paramref name="x"/> has a single frame.</summary>
    public Tensor LastFrames(Tensor x)
    {
        long t = x.shape[2];
        var cacheX = x.narrow(2, Math.Max(0, t - 2), Math.Min(2, t)).clone();
        if (cacheX.shape[2] < 2 && Current is { } previous)
        {
            using var last = previous.narrow(2, previous.shape[2] - 1, 1);
            var joined = torch.cat([last, cacheX], 2);
            cacheX.Dispose();
            cacheX = joined;
        }
        return cacheX;
    }

    /// <summary>Disposes every cached tensor.</summary>
    public void Dispose()
    {
        foreach (var s in _slots) s?.Dispose();
        _slots.Clear();
        _rep.Clear();
    }
}
