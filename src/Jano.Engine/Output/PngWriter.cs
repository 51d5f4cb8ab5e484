using System.Runtime.InteropServices;
using Jano.Core.IO;
using SkiaSharp;

namespace Jano.Engine.Output;

/// <summary>Writes and reads <see cref="Frame8"/> frames as PNG files with SkiaSharp.</summary>
public static class PngWriter
{
    /// <summary>
    /// Encodes <paramref name="frame"/> losslessly as PNG at <paramref name="path"/>. The file is written under a
    /// temporary name in the same folder and renamed into place, so a failure never leaves a partial file;
    /// an existing file is replaced.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The target folder does not exist.</exception>
    /// <exception cref="IOException">Encoding or writing failed.</exception>
    public static void Write(string path, Frame8 frame)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(frame);
        var encoded = Encode(frame);
        AtomicFile.Write(path, (Stream stream) => stream.Write(encoded));
    }

    /// <summary>Encodes a frame to PNG bytes in memory.</summary>
    /// <exception cref="IOException">SkiaSharp could not encode the frame.</exception>
    public static byte[] Encode(Frame8 frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var info = new SKImageInfo(frame.Width, frame.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var rgba = new byte[frame.Width * frame.Height * 4];
        var rgb = frame.Rgb;
        for (int i = 0, o = 0; i < rgb.Length; i += 3, o += 4)
        {
            rgba[o] = rgb[i];
            rgba[o + 1] = rgb[i + 1];
            rgba[o + 2] = rgb[i + 2];
            rgba[o + 3] = 255;
        }
        using var image = SKImage.FromPixelCopy(info, rgba, info.RowBytes)
            ?? throw new IOException($"SkiaSharp could not wrap a {frame.Width}x{frame.Height} frame");
        using var data = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new IOException($"SkiaSharp could not encode a {frame.Width}x{frame.Height} frame as PNG");
        return data.ToArray();
    }

    /// <summary>
    /// Decodes an image file (PNG, or any format SkiaSharp reads) into an RGB frame. An alpha channel is dropped
    /// without blending (colours are read unpremultiplied).
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not an image SkiaSharp can decode.</exception>
    public static Frame8 Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"image not found: {path}", path);
        var bytes = File.ReadAllBytes(path);
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data)
            ?? throw new InvalidDataException($"not a decodable image: {path}");
        int w = codec.Info.Width, h = codec.Info.Height;
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[info.BytesSize];
        var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        SKCodecResult result;
        try
        {
            result = codec.GetPixels(info, handle.AddrOfPinnedObject());
        }
        finally
        {
            handle.Free();
        }
        if (result != SKCodecResult.Success)
            throw new InvalidDataException($"could not decode {path}: {result}");

        var rgb = new byte[w * h * 3];
        int rowBytes = info.RowBytes;
        for (int y = 0; y < h; y++)
        {
            int s = y * rowBytes, o = y * w * 3;
            for (int x = 0; x < w; x++, s += 4, o += 3)
            {
                rgb[o] = rgba[s];
                rgb[o + 1] = rgba[s + 1];
                rgb[o + 2] = rgba[s + 2];
            }
        }
        return new Frame8(w, h, rgb);
    }
}
