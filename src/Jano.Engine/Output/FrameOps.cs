namespace Jano.Engine.Output;

/// <summary>Small in-place pixel operations on interleaved RGB buffers shared by the renderers.</summary>
internal static class FrameOps
{
    /// <summary>Copies <paramref name="src"/> into a <paramref name="dstWidth"/>-wide RGB buffer with its top-left
    /// corner at (<paramref name="x"/>, <paramref name="y"/>); the source must fit.</summary>
    public static void Blit(byte[] dst, int dstWidth, Frame8 src, int x, int y)
    {
        int rowBytes = src.Width * 3;
        for (int r = 0; r < src.Height; r++)
            Array.Copy(src.Rgb, r * rowBytes, dst, ((y + r) * dstWidth + x) * 3, rowBytes);
    }

    /// <summary>Fills a rectangle (clipped to the buffer) with one colour.</summary>
    public static void Fill(byte[] dst, int dstWidth, int dstHeight, int x, int y, int w, int h, (byte R, byte G, byte B) c)
    {
        int x0 = Math.Max(0, x), y0 = Math.Max(0, y);
        int x1 = Math.Min(dstWidth, x + w), y1 = Math.Min(dstHeight, y + h);
        for (int yy = y0; yy < y1; yy++)
        {
            int o = (yy * dstWidth + x0) * 3;
            for (int xx = x0; xx < x1; xx++, o += 3)
            {
                dst[o] = c.R;
                dst[o + 1] = c.G;
                dst[o + 2] = c.B;
            }
        }
    }

    /// <summary>A buffer of the given size filled with one colour.</summary>
    public static byte[] Filled(int width, int height, (byte R, byte G, byte B) c)
    {
        var buf = new byte[checked(width * height * 3)];
        if (c != (0, 0, 0)) Fill(buf, width, height, 0, 0, width, height, c);
        return buf;
    }
}
