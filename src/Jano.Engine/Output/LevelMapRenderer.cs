using System.Globalization;

namespace Jano.Engine.Output;

/// <summary>
/// Renders per-token convergence levels (1 = static, 2 = moderate, 3 = active) as a coloured overlay on the
/// generated output, so one can see which regions an accelerator treated as settled.
/// </summary>
public static class LevelMapRenderer
{
    /// <summary>Tint of static tokens (level 1): blue.</summary>
    public static readonly (byte R, byte G, byte B) StaticColor = (40, 120, 255);

    /// <summary>Tint of moderate tokens (level 2): amber.</summary>
    public static readonly (byte R, byte G, byte B) ModerateColor = (255, 176, 0);

    /// <summary>Tint of active tokens (level 3): red.</summary>
    public static readonly (byte R, byte G, byte B) ActiveColor = (235, 40, 40);

    /// <summary>Opacity of the tint over the grey image: <c>pixel = round(grey * (1 - a) + tint * a)</c> per channel.</summary>
    public const double TintAlpha = 0.45;

    /// <summary>Height in pixels of the legend strip added below every rendered frame.</summary>
    public const int LegendHeight = 20;

    /// <summary>Background of the legend strip and of montage gaps.</summary>
    public static readonly (byte R, byte G, byte B) Background = (20, 20, 20);

    /// <summary>
    /// Overlays the level map on every output frame.
    /// </summary>
    /// <param name="output">Decoded frames, each <c>W * pw</c> pixels wide and <c>H * ph</c> high. Frame <c>f</c> shows
    /// token frame <c>f / pt</c>, so at most <c>T * pt</c> frames.</param>
    /// <param name="tokenLevels">One level per token in token order (time-major, then rows, then columns:
    /// index <c>(t * H + y) * W + x</c>), each 1, 2 or 3.</param>
    /// <param name="grid">Token grid (T, H, W).</param>
    /// <param name="patch">Pixels per token along (time, height, width) in the output.</param>
    /// <param name="scale">Integer nearest-neighbour enlargement of the output, at least 1.</param>
    /// <param name="gridLines">Darken the first pixel row/column of every token after the first, when tokens are at
    /// least 4 pixels wide after scaling.</param>
    /// <returns>One frame per output frame, <c>W * pw * scale</c> wide and <c>H * ph * scale + LegendHeight</c> high:
    /// the output in grey (Rec. 601 luma), tinted per token, above a legend strip. The strip shows a bar split in
    /// proportion to the fractions of static, moderate and active tokens in the shown token frame, and their
    /// percentages as text where a font is available.</returns>
    /// <exception cref="ArgumentException">Sizes or levels are inconsistent.</exception>
    public static IReadOnlyList<Frame8> Render(IReadOnlyList<Frame8> output, int[] tokenLevels, (int T, int H, int W) grid,
                                               (int T, int H, int W) patch, int scale = 8, bool gridLines = true)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(tokenLevels);
        if (grid.T < 1 || grid.H < 1 || grid.W < 1)
            throw new ArgumentOutOfRangeException(nameof(grid), grid, "grid sizes must be positive");
        if (patch.T < 1 || patch.H < 1 || patch.W < 1)
            throw new ArgumentOutOfRangeException(nameof(patch), patch, "patch sizes must be positive");
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be at least 1");
        long tokens = (long)grid.T * grid.H * grid.W;
        if (tokenLevels.LongLength != tokens)
            throw new ArgumentException($"grid {grid} has {tokens} tokens but {tokenLevels.Length} levels were given", nameof(tokenLevels));
        for (int i = 0; i < tokenLevels.Length; i++)
            if (tokenLevels[i] is < 1 or > 3)
                throw new ArgumentException($"token {i} has level {tokenLevels[i]}; levels are 1 (static), 2 (moderate) or 3 (active)", nameof(tokenLevels));
        if (output.Count == 0) throw new ArgumentException("no output frames", nameof(output));
        if (output.Count > (long)grid.T * patch.T)
            throw new ArgumentException(
                $"{output.Count} frames but the grid covers only {grid.T} token frames x {patch.T} = {grid.T * patch.T}", nameof(output));
        int srcW = grid.W * patch.W, srcH = grid.H * patch.H;
        for (int i = 0; i < output.Count; i++)
        {
            var f = output[i] ?? throw new ArgumentException($"frame {i} is null", nameof(output));
            if (f.Width != srcW || f.Height != srcH)
                throw new ArgumentException(
                    $"frame {i} is {f.Width}x{f.Height} but grid {grid} with patch {patch} needs {srcW}x{srcH}", nameof(output));
        }

        int cellW = patch.W * scale, cellH = patch.H * scale;
        int outW = checked(srcW * scale), mapH = checked(srcH * scale), outH = mapH + LegendHeight;
        bool lines = gridLines && cellW >= 4 && cellH >= 4;
        var colors = new[] { StaticColor, ModerateColor, ActiveColor };

        var result = new Frame8[output.Count];
        var legends = new Dictionary<int, byte[]>();
        for (int f = 0; f < output.Count; f++)
        {
            int tf = f / patch.T;
            var src = output[f];
            var dst = new byte[checked(outW * outH * 3)];
            for (int y = 0; y < mapH; y++)
            {
                int sy = y / scale, ty = y / cellH;
                bool hLine = lines && ty > 0 && y % cellH == 0;
                for (int x = 0; x < outW; x++)
                {
                    int sx = x / scale, tx = x / cellW;
                    int si = (sy * srcW + sx) * 3;
                    int grey = Luma(src.Rgb[si], src.Rgb[si + 1], src.Rgb[si + 2]);
                    var c = colors[tokenLevels[(tf * grid.H + ty) * grid.W + tx] - 1];
                    int r = Tint(grey, c.R), g = Tint(grey, c.G), b = Tint(grey, c.B);
                    if (hLine || (lines && tx > 0 && x % cellW == 0))
                    {
                        r = r * 3 / 5;
                        g = g * 3 / 5;
                        b = b * 3 / 5;
                    }
                    int o = (y * outW + x) * 3;
                    dst[o] = (byte)r;
                    dst[o + 1] = (byte)g;
                    dst[o + 2] = (byte)b;
                }
            }
            if (!legends.TryGetValue(tf, out var legend))
            {
                legend = Legend(outW, tokenLevels.AsSpan(tf * grid.H * grid.W, grid.H * grid.W), colors);
                legends[tf] = legend;
            }
            Array.Copy(legend, 0, dst, mapH * outW * 3, legend.Length);
            result[f] = new Frame8(outW, outH, dst);
        }
        return result;
    }

    /// <summary>
    /// Lays frames out left to right, at most <paramref name="columns"/> per row, separated by <paramref name="gap"/>
    /// pixels of <see cref="Background"/>. Cells take the largest frame width and height; smaller frames sit at the
    /// cell's top-left corner.
    /// </summary>
    /// <returns>A frame <c>cols * cellW + (cols - 1) * gap</c> wide and <c>rows * cellH + (rows - 1) * gap</c> high,
    /// where <c>cols = min(columns, frames.Count)</c> and <c>rows = ceil(frames.Count / cols)</c>.</returns>
    public static Frame8 Montage(IReadOnlyList<Frame8> frames, int columns, int gap = 2)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count == 0) throw new ArgumentException("no frames to lay out", nameof(frames));
        if (columns < 1) throw new ArgumentOutOfRangeException(nameof(columns), columns, "columns must be at least 1");
        if (gap < 0) throw new ArgumentOutOfRangeException(nameof(gap), gap, "gap must not be negative");
        for (int i = 0; i < frames.Count; i++)
            if (frames[i] is null) throw new ArgumentException($"frame {i} is null", nameof(frames));
        int cols = Math.Min(columns, frames.Count);
        int rows = (frames.Count + cols - 1) / cols;
        int cellW = frames.Max(f => f.Width), cellH = frames.Max(f => f.Height);
        int w = checked(cols * cellW + (cols - 1) * gap), h = checked(rows * cellH + (rows - 1) * gap);
        var dst = FrameOps.Filled(w, h, Background);
        for (int i = 0; i < frames.Count; i++)
            FrameOps.Blit(dst, w, frames[i], (i % cols) * (cellW + gap), (i / cols) * (cellH + gap));
        return new Frame8(w, h, dst);
    }

    private static int Luma(byte r, byte g, byte b) => (299 * r + 587 * g + 114 * b + 500) / 1000;

    private static int Tint(int grey, byte tint) => (int)Math.Round(grey * (1 - TintAlpha) + tint * TintAlpha, MidpointRounding.AwayFromZero);

    private static byte[] Legend(int width, ReadOnlySpan<int> levels, (byte R, byte G, byte B)[] colors)
    {
        var counts = new int[3];
        foreach (var l in levels) counts[l - 1]++;
        int n = levels.Length;
        var strip = FrameOps.Filled(width, LegendHeight, Background);

        // Bar: three segments in proportion to the counts, rows 2..7, 2-pixel margins.
        int barX = 2, barW = Math.Max(0, width - 4), x = barX, seen = 0;
        for (int k = 0; k < 3; k++)
        {
            seen += counts[k];
            int end = barX + (int)Math.Round((double)barW * seen / n, MidpointRounding.AwayFromZero);
            FrameOps.Fill(strip, width, LegendHeight, x, 2, end - x, 6, colors[k]);
            x = end;
        }

        // Text: "static 62%  moderate 25%  active 13%", each in its colour; shorter forms when it does not fit.
        var pct = counts.Select(c => ((int)Math.Round(100.0 * c / n, MidpointRounding.AwayFromZero)).ToString(CultureInfo.InvariantCulture) + "%").ToArray();
        string[][] variants =
        [
            [$"static {pct[0]}", $"moderate {pct[1]}", $"active {pct[2]}"],
            [$"S {pct[0]}", $"M {pct[1]}", $"A {pct[2]}"],
            [pct[0], pct[1], pct[2]],
        ];
        const float size = 9f;
        foreach (var parts in variants)
        {
            var space = TextPainter.Measure("  ", size);
            if (space is null) break;
            var widths = parts.Select(p => TextPainter.Measure(p, size)!.Value).ToArray();
            if (widths.Sum() + space.Value * 2 > width - 4) continue;
            float tx = 2;
            for (int k = 0; k < 3; k++)
            {
                TextPainter.Draw(strip, width, LegendHeight, parts[k], (int)tx, 8, size, colors[k]);
                tx += widths[k] + space.Value;
            }
            break;
        }
        return strip;
    }
}
