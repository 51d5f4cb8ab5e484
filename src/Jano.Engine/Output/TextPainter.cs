using SkiaSharp;

namespace Jano.Engine.Output;

/// <summary>
/// Optional text drawing for labels and legends. Works only where SkiaSharp finds a usable font (the headless
/// NoDependencies build has no fontconfig, so well-known font files are tried too); where none is found,
/// <see cref="Available"/> is false and drawing is skipped, never an error.
/// </summary>
internal static class TextPainter
{
    private const string Probe = "0Aa%";
    private static readonly Lazy<SKTypeface?> Face = new(Resolve);

    /// <summary>True when a font with Latin glyphs was found.</summary>
    public static bool Available => Face.Value is not null;

    /// <summary>Width in pixels of <paramref name="text"/> at <paramref name="sizePx"/>, or null without a font.</summary>
    public static float? Measure(string text, float sizePx)
    {
        if (Face.Value is not { } face) return null;
        using var font = new SKFont(face, sizePx);
        return font.MeasureText(text);
    }

    /// <summary>
    /// Alpha-blends <paramref name="text"/> onto an RGB buffer with the top of the text box at
    /// (<paramref name="x"/>, <paramref name="top"/>), clipped to the buffer. Returns false (drawing nothing) without a font.
    /// </summary>
    public static bool Draw(byte[] rgb, int width, int height, string text, int x, int top, float sizePx, (byte R, byte G, byte B) color)
    {
        if (Face.Value is not { } face || text.Length == 0) return false;
        using var font = new SKFont(face, sizePx) { Edging = SKFontEdging.Antialias };
        int boxW = Math.Max(1, (int)Math.Ceiling(font.MeasureText(text)) + 2);
        var metrics = font.Metrics;
        int boxH = Math.Max(1, (int)Math.Ceiling(metrics.Descent - metrics.Ascent) + 2);

        var info = new SKImageInfo(boxW, boxH, SKColorType.Alpha8, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        bitmap.Erase(SKColors.Transparent);
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { Color = SKColors.White, IsAntialias = true })
        {
            canvas.DrawText(text, 1, -metrics.Ascent + 1, SKTextAlign.Left, font, paint);
        }

        var alpha = bitmap.GetPixelSpan();
        int rowBytes = bitmap.RowBytes;
        for (int by = 0; by < boxH; by++)
        {
            int py = top + by;
            if ((uint)py >= (uint)height) continue;
            for (int bx = 0; bx < boxW; bx++)
            {
                int px = x + bx;
                if ((uint)px >= (uint)width) continue;
                int a = alpha[by * rowBytes + bx];
                if (a == 0) continue;
                int o = (py * width + px) * 3;
                rgb[o] = Blend(rgb[o], color.R, a);
                rgb[o + 1] = Blend(rgb[o + 1], color.G, a);
                rgb[o + 2] = Blend(rgb[o + 2], color.B, a);
            }
        }
        return true;
    }

    private static byte Blend(byte under, byte over, int alpha) =>
        (byte)((under * (255 - alpha) + over * alpha + 127) / 255);

    private static SKTypeface? Resolve()
    {
        if (Usable(SKTypeface.Default)) return SKTypeface.Default;
        foreach (var family in new[] { "DejaVu Sans", "Liberation Sans", "Arial", "Helvetica", "Lato", "Noto Sans" })
        {
            var face = SKFontManager.Default.MatchFamily(family);
            if (Usable(face)) return face;
            face?.Dispose();
        }
        foreach (var file in CandidateFiles())
        {
            var face = SKTypeface.FromFile(file);
            if (Usable(face)) return face;
            face?.Dispose();
        }
        return null;
    }

    private static bool Usable(SKTypeface? face)
    {
        if (face is null) return false;
        using var font = new SKFont(face, 12);
        return font.ContainsGlyphs(Probe);
    }

    private static IEnumerable<string> CandidateFiles()
    {
        string[] preferred = ["DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Lato-Regular.ttf", "NotoSans-Regular.ttf", "Arial.ttf", "arial.ttf"];
        var roots = new List<string> { "/usr/share/fonts", "/usr/local/share/fonts", "/System/Library/Fonts", "/Library/Fonts" };
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrEmpty(home)) roots.Add(Path.Combine(home, ".fonts"));
        var windows = Environment.GetFolderPath(Environment.SpecialFolder.Fonts);
        if (!string.IsNullOrEmpty(windows)) roots.Add(windows);

        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, MaxRecursionDepth = 4 };
        var all = roots.Where(Directory.Exists)
            .SelectMany(r => Directory.EnumerateFiles(r, "*.ttf", options))
            .ToList();
        foreach (var name in preferred)
            foreach (var f in all.Where(f => string.Equals(Path.GetFileName(f), name, StringComparison.OrdinalIgnoreCase)))
                yield return f;
        foreach (var f in all.Order(StringComparer.Ordinal).Take(20)) yield return f;
    }
}
