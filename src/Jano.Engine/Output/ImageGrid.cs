namespace Jano.Engine.Output;

/// <summary>Composes sample grids: rows of frames (for example one row per prompt, one column per seed) in one image.</summary>
public static class ImageGrid
{
    /// <summary>Height in pixels of a row caption strip (used only when captions are given and a font is available).</summary>
    public const int CaptionHeight = 14;

    /// <summary>Background of gaps, empty cells and caption strips.</summary>
    public static readonly (byte R, byte G, byte B) Background = (20, 20, 20);

    /// <summary>
    /// Lays out <paramref name="rows"/> as a grid: each frame enlarged <paramref name="upscale"/> times (nearest
    /// neighbour), cells as large as the largest enlarged frame, <paramref name="gap"/> pixels between cells.
    /// Rows may have different lengths; missing cells stay <see cref="Background"/>.
    /// </summary>
    /// <returns>A frame <c>maxCols * cellW + (maxCols - 1) * gap</c> wide and <c>rows * cellH + (rows - 1) * gap</c> high.</returns>
    public static Frame8 Compose(IReadOnlyList<IReadOnlyList<Frame8>> rows, int gap, int upscale) =>
        Compose(rows, gap, upscale, rowLabels: null);

    /// <summary>
    /// As <see cref="Compose(IReadOnlyList{IReadOnlyList{Frame8}}, int, int)"/>, with an optional caption above each
    /// row. Captions need a font: where SkiaSharp finds none they are left out (the grid is then laid out exactly as
    /// without captions), never an error. Use <see cref="LabelsAvailable"/> to know in advance.
    /// </summary>
    /// <param name="rows">Rows of frames; at least one frame overall.</param>
    /// <param name="gap">Pixels between cells, at least 0.</param>
    /// <param name="upscale">Integer enlargement, at least 1.</param>
    /// <param name="rowLabels">Null, or one caption per row (null or empty for none); long captions are clipped.</param>
    public static Frame8 Compose(IReadOnlyList<IReadOnlyList<Frame8>> rows, int gap, int upscale, IReadOnlyList<string?>? rowLabels)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (gap < 0) throw new ArgumentOutOfRangeException(nameof(gap), gap, "gap must not be negative");
        if (upscale < 1) throw new ArgumentOutOfRangeException(nameof(upscale), upscale, "upscale must be at least 1");
        if (rows.Count == 0) throw new ArgumentException("no rows", nameof(rows));
        if (rowLabels is not null && rowLabels.Count != rows.Count)
            throw new ArgumentException($"{rowLabels.Count} labels for {rows.Count} rows", nameof(rowLabels));
        for (int r = 0; r < rows.Count; r++)
        {
            if (rows[r] is null) throw new ArgumentException($"row {r} is null", nameof(rows));
            for (int c = 0; c < rows[r].Count; c++)
                if (rows[r][c] is null) throw new ArgumentException($"row {r}, column {c} is null", nameof(rows));
        }
        int maxCols = rows.Max(r => r.Count);
        if (maxCols == 0) throw new ArgumentException("all rows are empty", nameof(rows));

        int cellW = checked(rows.SelectMany(r => r).Max(f => f.Width) * upscale);
        int cellH = checked(rows.SelectMany(r => r).Max(f => f.Height) * upscale);
        bool captions = rowLabels is not null && rowLabels.Any(l => !string.IsNullOrEmpty(l)) && TextPainter.Available;
        int rowH = cellH + (captions ? CaptionHeight : 0);
        int w = checked(maxCols * cellW + (maxCols - 1) * gap);
        int h = checked(rows.Count * rowH + (rows.Count - 1) * gap);

        var dst = FrameOps.Filled(w, h, Background);
        for (int r = 0; r < rows.Count; r++)
        {
            int top = r * (rowH + gap);
            if (captions && rowLabels![r] is { Length: > 0 } label)
                TextPainter.Draw(dst, w, top + CaptionHeight, label, 2, top + 1, 10f, (230, 230, 230));
            int cellTop = top + (captions ? CaptionHeight : 0);
            for (int c = 0; c < rows[r].Count; c++)
                FrameOps.Blit(dst, w, FrameConverter.Upscale(rows[r][c], upscale), c * (cellW + gap), cellTop);
        }
        return new Frame8(w, h, dst);
    }

    /// <summary>True when text captions can be drawn (a usable font was found).</summary>
    public static bool LabelsAvailable => TextPainter.Available;
}
