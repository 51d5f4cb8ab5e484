using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.JanoMethod;

/// <summary>Per-branch-rows full-sequence model output [B, N, P] (spec §3.5): skipped rows keep their last computed values.</summary>
public sealed class OutputBuffer : IDisposable
{
    private readonly Dictionary<string, Tensor> _buffers = new();

    public long Bytes => _buffers.Values.Sum(t => t.NumberOfElements * t.ElementSize);

    /// <summary>Replaces the buffer with a copy of a full output.</summary>
    public void Replace(string rows, Tensor full)
    {
        var copy = full.detach().clone();
        copy.DetachFromDisposeScope();
        if (_buffers.Remove(rows, out var old)) old.Dispose();
        _buffers[rows] = copy;
    }

    /// <summary>Writes <paramref name="output"/> [B, n, P] into rows <paramref name="index"/> and returns a copy of the whole buffer [B, N, P].</summary>
    public Tensor Scatter(string rows, Tensor output, Tensor? index)
    {
        if (!_buffers.TryGetValue(rows, out var buffer))
            throw new InvalidOperationException($"no output buffer for rows [{rows}]: a level-3 step must come first");
        if (index is null) buffer.copy_(output);
        else if (index.shape[0] > 0) buffer.index_copy_(1, index, output.to(buffer.dtype));
        return buffer.clone();
    }

    /// <summary>A copy of the last full output [B, N, P] kept for <paramref name="rows"/>.</summary>
    public Tensor Current(string rows)
    {
        if (!_buffers.TryGetValue(rows, out var buffer))
            throw new InvalidOperationException($"no output buffer for rows [{rows}]: a level-3 step must come first");
        return buffer.clone();
    }

    public void Dispose()
    {
        foreach (var t in _buffers.Values) t.Dispose();
        _buffers.Clear();
    }
}
