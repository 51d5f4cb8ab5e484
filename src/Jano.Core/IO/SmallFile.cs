using System.Globalization;
using System.Text;

namespace Jano.Core.IO;

/// <summary>
/// Reads a small text file (a <c>config.json</c>, an index) with a size cap, as strict UTF-8, so an absurd or
/// hostile file is refused with one line naming it instead of being read whole into memory.
/// </summary>
public static class SmallFile
{
    /// <summary>Default cap: 64 MiB (a sharded index of a 14B model is about 100 KiB; a config about 1 KiB).</summary>
    public const long DefaultMaxBytes = 64L << 20;

    /// <summary>Reads <paramref name="path"/> as UTF-8 (a BOM is allowed).</summary>
    /// <exception cref="InvalidDataException">The file is missing, unreadable, larger than <paramref name="maxBytes"/>
    /// or not valid UTF-8; the message names the file.</exception>
    public static string ReadText(string path, long maxBytes = DefaultMaxBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (stream.Length > maxBytes)
                throw new InvalidDataException($"{path}: {stream.Length.ToString(CultureInfo.InvariantCulture)} bytes is too large for this file (at most {maxBytes.ToString(CultureInfo.InvariantCulture)})");
            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read: {e.Message}", e);
        }
        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"{path}: not valid UTF-8 text", e);
        }
    }
}
