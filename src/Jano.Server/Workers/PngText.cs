using System.Buffers.Binary;
using System.Text;

namespace Jano.Server.Workers;

/// <summary>Adds and reads a PNG <c>iTXt</c> text chunk (UTF-8), placed right after <c>IHDR</c>; every other byte of the
/// file stays as it was, so removing the chunk gives back the original file.</summary>
public static class PngText
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary><paramref name="png"/> with an <c>iTXt</c> chunk <paramref name="keyword"/> = <paramref name="text"/>.</summary>
    /// <exception cref="InvalidDataException">Not a PNG starting with IHDR.</exception>
    public static byte[] Add(byte[] png, string keyword, string text)
    {
        ArgumentNullException.ThrowIfNull(png);
        int afterHeader = HeaderEnd(png);
        var data = new List<byte>();
        data.AddRange(Encoding.Latin1.GetBytes(keyword));
        data.AddRange(new byte[] { 0, 0, 0, 0, 0 }); // keyword end, no compression, method 0, empty language tag, empty translated keyword
        data.AddRange(Encoding.UTF8.GetBytes(text));
        var chunk = Chunk("iTXt"u8, data.ToArray());
        var result = new byte[png.Length + chunk.Length];
        png.AsSpan(0, afterHeader).CopyTo(result);
        chunk.CopyTo(result, afterHeader);
        png.AsSpan(afterHeader).CopyTo(result.AsSpan(afterHeader + chunk.Length));
        return result;
    }

    /// <summary>The text of the first <c>iTXt</c> chunk named <paramref name="keyword"/>, or null.</summary>
    public static string? Read(byte[] png, string keyword)
    {
        ArgumentNullException.ThrowIfNull(png);
        foreach (var (type, start, length) in Chunks(png))
        {
            if (type != "iTXt") continue;
            var data = png.AsSpan(start, length);
            int zero = data.IndexOf((byte)0);
            if (zero < 0 || Encoding.Latin1.GetString(data[..zero]) != keyword || data.Length < zero + 5) continue;
            int lang = data[(zero + 3)..].IndexOf((byte)0);
            if (lang < 0) continue;
            int translated = data[(zero + 4 + lang)..].IndexOf((byte)0);
            if (translated < 0) continue;
            return Encoding.UTF8.GetString(data[(zero + 5 + lang + translated)..]);
        }
        return null;
    }

    /// <summary><paramref name="png"/> without its <c>iTXt</c> chunks.</summary>
    public static byte[] Strip(byte[] png)
    {
        ArgumentNullException.ThrowIfNull(png);
        var result = new List<byte>(png.Length);
        result.AddRange(png.AsSpan(0, Signature.Length).ToArray());
        foreach (var (type, start, length) in Chunks(png))
            if (type != "iTXt") result.AddRange(png.AsSpan(start - 8, length + 12).ToArray());
        return result.ToArray();
    }

    private static IEnumerable<(string Type, int Start, int Length)> Chunks(byte[] png)
    {
        if (png.Length < Signature.Length || !png.AsSpan(0, Signature.Length).SequenceEqual(Signature)) throw new InvalidDataException("not a PNG file");
        int pos = Signature.Length;
        while (pos + 12 <= png.Length)
        {
            int length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos)));
            if (length > png.Length - pos - 12) throw new InvalidDataException("truncated PNG chunk");
            yield return (Encoding.ASCII.GetString(png, pos + 4, 4), pos + 8, length);
            pos += length + 12;
        }
    }

    private static int HeaderEnd(byte[] png)
    {
        foreach (var (type, start, length) in Chunks(png))
            return type == "IHDR" ? start + length + 4 : throw new InvalidDataException("PNG does not start with IHDR");
        throw new InvalidDataException("PNG has no chunks");
    }

    private static byte[] Chunk(ReadOnlySpan<byte> type, byte[] data)
    {
        var chunk = new byte[data.Length + 12];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        type.CopyTo(chunk.AsSpan(4));
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc(chunk.AsSpan(4, data.Length + 4)));
        return chunk;
    }

    private static uint Crc(ReadOnlySpan<byte> bytes)
    {
        uint c = 0xFFFFFFFFu;
        foreach (var b in bytes) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
