using Jano.Core.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Engine.Output;

/// <summary>Turns decoded image/video tensors into <see cref="Frame8"/> frames and resizes frames.</summary>
public static class FrameConverter
{
    /// <summary>
    /// Converts a decoded video (or image, with T = 1) of shape [C, T, H, W] into T frames.
    /// </summary>
    /// <remarks>
    /// C must be 1 (grey, replicated to R, G and B) or 3 (RGB). Values are expected in [-1, 1] and map to bytes as
    /// <c>pixel = (byte)round(clamp((x + 1) / 2, 0, 1) * 255)</c>, rounding halves to even (so -1 → 0, 0 → 128, 1 → 255);
    /// values outside the range are clamped, +∞ becomes 255, −∞ and NaN become 0.
    /// Any floating-point dtype on any device is accepted; the tensor is not modified and no gradient is recorded.
    /// </remarks>
    /// <exception cref="ArgumentException">The tensor is not 4-D, has a channel count other than 1 or 3, is empty,
    /// or is not floating point.</exception>
    public static IReadOnlyList<Frame8> ToFrames(Tensor video)
    {
        ArgumentNullException.ThrowIfNull(video);
        if (video.dim() != 4)
            throw new ArgumentException($"expected a [C, T, H, W] tensor, got shape [{string.Join(", ", video.shape)}]", nameof(video));
        if (!video.is_floating_point())
            throw new ArgumentException($"expected a floating-point tensor, got {video.dtype}", nameof(video));
        long c = video.shape[0], t = video.shape[1], h = video.shape[2], w = video.shape[3];
        if (c != 1 && c != 3)
            throw new ArgumentException($"expected 1 (grey) or 3 (RGB) channels, got {c}", nameof(video));
        if (t < 1 || h < 1 || w < 1)
            throw new ArgumentException($"empty video tensor of shape [{string.Join(", ", video.shape)}]", nameof(video));

        byte[] all;
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            var x = video.detach().to(ScalarType.Float32, torch.CPU);
            x = torch.nan_to_num(x, nan: -1.0, posinf: 1.0, neginf: -1.0);
            using var one = 1.0.ToScalar(); // explicit Scalars: an implicit one may be finalized mid-call (TorchSharp 0.107)
            using var two = 2.0.ToScalar();
            using var zero = 0.0.ToScalar();
            using var top = 255.0.ToScalar();
            x = x.add(one).div(two).clamp(zero, one).mul(top).round();
            if (c == 1) x = x.expand(3, t, h, w);
            var u8 = x.permute(1, 2, 3, 0).contiguous().to(ScalarType.Byte);
            all = u8.data<byte>().ToArray();
        }

        int frameBytes = checked((int)(h * w * 3));
        var frames = new Frame8[t];
        for (int i = 0; i < t; i++)
        {
            var rgb = new byte[frameBytes];
            Array.Copy(all, (long)i * frameBytes, rgb, 0, frameBytes);
            frames[i] = new Frame8((int)w, (int)h, rgb);
        }
        return frames;
    }

    /// <summary>Enlarges a frame by an integer factor with nearest-neighbour sampling (each pixel becomes a
    /// <paramref name="factor"/> × <paramref name="factor"/> block). A factor of 1 returns <paramref name="f"/> itself.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="factor"/> is less than 1.</exception>
    /// <summary>The frames as <see cref="RgbFrame"/>s for the quality metrics (pixels shared, not copied).</summary>
    public static IReadOnlyList<RgbFrame> ToRgb(IReadOnlyList<Frame8> frames) =>
        frames.Select(f => new RgbFrame(f.Width, f.Height, f.Rgb)).ToArray();

    /// <summary><see cref="ToFrames"/> then <see cref="ToRgb"/>: a decoded [C, T, H, W] tensor as metric frames.</summary>
    public static IReadOnlyList<RgbFrame> ToRgbFrames(Tensor video) => ToRgb(ToFrames(video));

    public static Frame8 Upscale(Frame8 f, int factor)
    {
        ArgumentNullException.ThrowIfNull(f);
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(factor), factor, "upscale factor must be at least 1");
        if (factor == 1) return f;
        int w = checked(f.Width * factor), h = checked(f.Height * factor);
        var dst = new byte[checked(w * h * 3)];
        int dstRow = w * 3;
        for (int y = 0; y < f.Height; y++)
        {
            int firstRow = y * factor * dstRow;
            var src = f.Rgb.AsSpan(y * f.Width * 3, f.Width * 3);
            var row = dst.AsSpan(firstRow, dstRow);
            for (int x = 0; x < f.Width; x++)
            {
                byte r = src[x * 3], g = src[x * 3 + 1], b = src[x * 3 + 2];
                int o = x * factor * 3;
                for (int k = 0; k < factor; k++, o += 3)
                {
                    row[o] = r;
                    row[o + 1] = g;
                    row[o + 2] = b;
                }
            }
            for (int k = 1; k < factor; k++)
                row.CopyTo(dst.AsSpan(firstRow + k * dstRow, dstRow));
        }
        return new Frame8(w, h, dst);
    }
}
