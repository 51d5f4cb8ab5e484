using Jano.Acceleration.Common;
using Jano.Core.Acceleration;
using static TorchSharp.torch;

namespace Jano.Acceleration.JanoMethod;

/// <summary>Per-branch full-sequence model output [1, N, P] (spec §3.5), kept as the rows of one tensor over the
/// generation's branches: skipped rows keep their last computed values.</summary>
public sealed class OutputBuffer(IReadOnlyList<GuidanceBranch> branches) : IDisposable
{
    private readonly BranchBatch _buffer = new(branches);

    public long Bytes => _buffer.Bytes;

    /// <summary>Replaces the buffer of <paramref name="rows"/> with a copy of a full output [B, N, P].</summary>
    public void Replace(IReadOnlyList<GuidanceBranch> rows, Tensor full) => _buffer.Set(rows, full);

    /// <summary>Writes <paramref name="output"/> [B, n, P] into rows <paramref name="index"/> of the buffer of <paramref name="rows"/>
    /// and returns a copy of the whole buffer [B, N, P].</summary>
    public Tensor Scatter(IReadOnlyList<GuidanceBranch> rows, Tensor output, Tensor? index)
    {
        if (!_buffer.Has(rows))
            throw new InvalidOperationException($"no output buffer for rows [{string.Join(",", rows)}]: a level-3 step must come first");
        using var buffer = _buffer.Read(rows);                                   // [B, N, P]
        if (index is null) buffer.copy_(output);
        else if (index.shape[0] > 0) buffer.index_copy_(1, index, output.to(buffer.dtype));
        if (!_buffer.ReadsInPlace(rows)) _buffer.Set(rows, buffer);                            // a gathered copy: write it back
        return buffer.clone();
    }

    /// <summary>A copy of the last full output [B, N, P] kept for <paramref name="rows"/>.</summary>
    public Tensor Current(IReadOnlyList<GuidanceBranch> rows)
    {
        if (!_buffer.Has(rows))
            throw new InvalidOperationException($"no output buffer for rows [{string.Join(",", rows)}]: a level-3 step must come first");
        using var buffer = _buffer.Read(rows);
        return buffer.clone();
    }

    public void Dispose() => _buffer.Dispose();
}
