namespace Jano.Engine.Output;

/// <summary>
/// An 8-bit RGB frame stored row-major and interleaved (height, width, channel), three bytes per pixel, no padding.
/// Same layout as <c>Jano.Core.Metrics.RgbFrame</c>; kept as a separate type so the output code does not depend on it.
/// </summary>
/// <param name="Width">Width in pixels, at least 1.</param>
/// <param name="Height">Height in pixels, at least 1.</param>
/// <param name="Rgb">Pixel bytes, exactly <c>Width * Height * 3</c> of them. The array is not copied.</param>
public sealed record Frame8(int Width, int Height, byte[] Rgb)
{
    /// <summary>Width in pixels.</summary>
    public int Width { get; init; } = Width > 0 ? Width : throw new ArgumentOutOfRangeException(nameof(Width), Width, "width must be positive");

    /// <summary>Height in pixels.</summary>
    public int Height { get; init; } = Height > 0 ? Height : throw new ArgumentOutOfRangeException(nameof(Height), Height, "height must be positive");

    /// <summary>Interleaved RGB bytes, row after row.</summary>
    public byte[] Rgb { get; init; } = CheckPixels(Rgb, Width, Height);

    /// <summary>A frame of the given size filled with one colour.</summary>
    public static Frame8 Solid(int width, int height, byte r, byte g, byte b)
    {
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "width must be positive");
        if (height <= 0) throw new ArgumentOutOfRangeException(nameof(height), height, "height must be positive");
        var rgb = new byte[checked(width * height * 3)];
        for (int i = 0; i < rgb.Length; i += 3)
        {
            rgb[i] = r;
            rgb[i + 1] = g;
            rgb[i + 2] = b;
        }
        return new Frame8(width, height, rgb);
    }

    /// <summary>The colour at column <paramref name="x"/>, row <paramref name="y"/>.</summary>
    public (byte R, byte G, byte B) Pixel(int x, int y)
    {
        if ((uint)x >= (uint)Width) throw new ArgumentOutOfRangeException(nameof(x), x, $"x must be in [0, {Width})");
        if ((uint)y >= (uint)Height) throw new ArgumentOutOfRangeException(nameof(y), y, $"y must be in [0, {Height})");
        int i = (y * Width + x) * 3;
        return (Rgb[i], Rgb[i + 1], Rgb[i + 2]);
    }

    /// <summary>True when both frames have the same size and the same pixel bytes (record equality compares the array by reference).</summary>
    public bool PixelsEqual(Frame8 other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Width == other.Width && Height == other.Height && Rgb.AsSpan().SequenceEqual(other.Rgb);
    }

    private static byte[] CheckPixels(byte[] rgb, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        long expected = (long)width * height * 3;
        if (rgb.LongLength != expected)
            throw new ArgumentException($"a {width}x{height} RGB frame needs {expected} bytes, got {rgb.LongLength}", nameof(rgb));
        return rgb;
    }
}
