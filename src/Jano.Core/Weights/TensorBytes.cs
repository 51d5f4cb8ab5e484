using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Core.Weights;

/// <summary>
/// Visits the raw memory of a contiguous CPU tensor in spans of bounded size, so tensors larger than
/// 2 GiB (the limit of one <see cref="Span{T}"/>) are handled and no managed copy of the data is made.
/// </summary>
internal static class TensorBytes
{
    /// <summary>Largest span handed to the visitor, in bytes (about 1 GiB).</summary>
    private const long ChunkBytes = 1L << 30;

    /// <summary>Calls <paramref name="visit"/> with consecutive spans that together cover the tensor's data, in order.
    /// The tensor must be contiguous and on the CPU. <paramref name="chunkBytes"/> is the largest span (tests lower it).</summary>
    public static void ForEachChunk(Tensor tensor, SpanAction visit, long chunkBytes = ChunkBytes)
    {
        if (tensor.device_type != DeviceType.CPU) throw new ArgumentException("tensor must be on the CPU", nameof(tensor));
        if (!tensor.is_contiguous()) throw new ArgumentException("tensor must be contiguous", nameof(tensor));
        long count = tensor.numel();
        if (count == 0) return;
        long elementSize = tensor.element_size();
        long total = count * elementSize;
        if (total <= chunkBytes)
        {
            visit(tensor.bytes);
            return;
        }
        long perChunk = Math.Max(1, chunkBytes / elementSize);
        using var flat = tensor.view(-1);
        for (long start = 0; start < count; start += perChunk)
        {
            long n = Math.Min(perChunk, count - start);
            using var part = flat.narrow(0, start, n);
            visit(part.bytes);
        }
    }

    /// <summary>A visitor of one span of tensor memory.</summary>
    public delegate void SpanAction(Span<byte> bytes);
}
