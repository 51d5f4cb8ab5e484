using System.Globalization;

namespace Jano.Core.Weights;

/// <summary>The check every weight reader makes before allocating a tensor from a file: the bytes must fit in the
/// machine's physical memory, so a header that declares an absurd shape ends in one line instead of an allocation
/// failure inside libtorch (or the kernel's out-of-memory killer).</summary>
internal static class TensorMemory
{
    /// <summary>Throws a <see cref="WeightFileException"/> naming the file and tensor when <paramref name="bytes"/>
    /// exceed the physical memory available to this process.</summary>
    public static void Check(string path, string name, double bytes)
    {
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes <= available) return;
        throw new WeightFileException(
            $"{path}: tensor {ErrorText.Quote(name)} needs {Gib(bytes)} GiB, more than this machine's {Gib(available)} GiB of memory");
    }

    private static string Gib(double bytes) => (bytes / (1L << 30)).ToString("F1", CultureInfo.InvariantCulture);
}
