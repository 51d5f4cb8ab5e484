namespace Jano.Core.Metrics;

/// <summary>
/// One image or video frame as 8-bit RGB, interleaved HWC (row-major, then column, then R,G,B), exactly as written to PNG.
/// A grey image must already be replicated to three channels by the caller.
/// </summary>
/// <remarks>
/// The constructor checks <c>Width &gt; 0</c>, <c>Height &gt; 0</c> and <c>Pixels.Length == Width*Height*3</c>.
/// The metric functions check the length again, since a <c>with</c> expression can replace one property alone.
/// Record equality compares <see cref="Pixels"/> by reference, not by content.
/// </remarks>
/// <param name="Width">Width in pixels (&gt; 0).</param>
/// <param name="Height">Height in pixels (&gt; 0).</param>
/// <param name="Pixels">Width*Height*3 bytes, interleaved RGB. Not copied.</param>
public sealed record RgbFrame(int Width, int Height, byte[] Pixels)
{
    public int Width { get; init; } = Width > 0 ? Width : throw new ArgumentOutOfRangeException(nameof(Width), Width, "width must be positive");

    public int Height { get; init; } = Height > 0 ? Height : throw new ArgumentOutOfRangeException(nameof(Height), Height, "height must be positive");

    public byte[] Pixels { get; init; } = CheckPixels(Width, Height, Pixels, nameof(Pixels));

    /// <summary>Throws unless <paramref name="pixels"/> holds exactly <c>width*height*3</c> bytes; the exceptions name
    /// <paramref name="paramName"/> (the constructor's parameter).</summary>
    private static byte[] CheckPixels(int width, int height, byte[]? pixels, string paramName)
    {
        ArgumentNullException.ThrowIfNull(pixels, paramName);
        long expected = (long)width * height * 3;
        if (pixels.LongLength != expected)
            throw new ArgumentException($"pixels must hold width*height*3 = {expected} bytes, got {pixels.LongLength}", paramName);
        return pixels;
    }

    /// <summary>"WxH", used in messages.</summary>
    public override string ToString() => $"{Width}x{Height}";
}
