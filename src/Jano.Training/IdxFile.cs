using System.IO.Compression;

namespace Jano.Training;

/// <summary>Reader of the idx format (big-endian header, then unsigned bytes) used by (Fashion-)MNIST, gzip or plain.</summary>
public static class IdxFile
{
    /// <summary>Reads an idx file: returns the dimensions and the raw bytes. Throws <see cref="InvalidDataException"/> naming the file on bad data.</summary>
    public static (int[] Dims, byte[] Data) Read(string path)
    {
        using var file = File.OpenRead(path);
        using Stream s = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        var bytes = ms.ToArray();
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08)
            throw new InvalidDataException($"{path}: not an unsigned-byte idx file");
        int rank = bytes[3];
        if (rank < 1 || bytes.Length < 4 + 4 * rank) throw new InvalidDataException($"{path}: truncated idx header");
        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            int o = 4 + 4 * i;
            dims[i] = (bytes[o] << 24) | (bytes[o + 1] << 16) | (bytes[o + 2] << 8) | bytes[o + 3];
            count *= dims[i];
        }
        int offset = 4 + 4 * rank;
        if (bytes.Length - offset != count)
            throw new InvalidDataException($"{path}: idx payload has {bytes.Length - offset} bytes, header says {count}");
        return (dims, bytes[offset..]);
    }
}
