using Jano.Engine.Output;
using Xunit;

namespace Jano.Tests.Output;

public class OutputLevelMapTests
{
    private static byte Blend(int grey, byte tint) => (byte)Math.Round(grey * 0.55 + tint * 0.45, MidpointRounding.AwayFromZero);

    private static (byte, byte, byte) Tinted(int grey, (byte R, byte G, byte B) c) => (Blend(grey, c.R), Blend(grey, c.G), Blend(grey, c.B));

    [Fact]
    public void TintsStaticBlueModerateAmberActiveRed()
    {
        // Grid 1x2x2, patch 1x3x2 -> output frames 4 wide, 6 high; scale 4 -> 16 x 24 map.
        var output = new[] { Frame8.Solid(4, 6, 200, 200, 200) };
        int[] levels = [1, 3, 2, 1];
        var frames = LevelMapRenderer.Render(output, levels, (1, 2, 2), (1, 3, 2), scale: 4);
        var f = Assert.Single(frames);
        Assert.Equal(16, f.Width);
        Assert.Equal(24 + LevelMapRenderer.LegendHeight, f.Height);

        // Token cells are 8 x 12 pixels; sample their centres.
        var staticPx = f.Pixel(4, 6);
        var activePx = f.Pixel(12, 6);
        var moderatePx = f.Pixel(4, 18);
        Assert.Equal(Tinted(200, LevelMapRenderer.StaticColor), staticPx);
        Assert.Equal(Tinted(200, LevelMapRenderer.ActiveColor), activePx);
        Assert.Equal(Tinted(200, LevelMapRenderer.ModerateColor), moderatePx);
        Assert.Equal(staticPx, f.Pixel(12, 18));

        // And they look like what they claim: blue dominates static, red dominates active, amber is red+green.
        Assert.True(staticPx.B > staticPx.R + 60, $"static should be blue, got {staticPx}");
        Assert.True(activePx.R > activePx.B + 60 && activePx.R > activePx.G + 60, $"active should be red, got {activePx}");
        Assert.True(moderatePx.R > moderatePx.B + 60 && moderatePx.G > moderatePx.B + 30, $"moderate should be amber, got {moderatePx}");
    }

    [Fact]
    public void ConvertsOutputToGreyBeforeTinting()
    {
        // Pure red has luma round(0.299 * 255) = 76.
        var output = new[] { Frame8.Solid(2, 2, 255, 0, 0) };
        var f = Assert.Single(LevelMapRenderer.Render(output, [1], (1, 1, 1), (1, 2, 2), scale: 2, gridLines: false));
        Assert.Equal(Tinted(76, LevelMapRenderer.StaticColor), f.Pixel(1, 1));
    }

    [Fact]
    public void KeepsImageDetailInsideATokenAtTheRightScale()
    {
        // One token, 2x2 pixels: left column black, right column white; scale 3.
        var output = new[] { new Frame8(2, 2, [0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255]) };
        var f = Assert.Single(LevelMapRenderer.Render(output, [3], (1, 1, 1), (1, 2, 2), scale: 3));
        Assert.Equal(Tinted(0, LevelMapRenderer.ActiveColor), f.Pixel(2, 4));
        Assert.Equal(Tinted(255, LevelMapRenderer.ActiveColor), f.Pixel(3, 4));
    }

    [Fact]
    public void DrawsDarkerGridLinesBetweenTokensOnlyWhenAsked()
    {
        var output = new[] { Frame8.Solid(4, 2, 255, 255, 255) };
        int[] levels = [1, 1];
        var withLines = Assert.Single(LevelMapRenderer.Render(output, levels, (1, 1, 2), (1, 2, 2), scale: 4));
        var without = Assert.Single(LevelMapRenderer.Render(output, levels, (1, 1, 2), (1, 2, 2), scale: 4, gridLines: false));
        var plain = Tinted(255, LevelMapRenderer.StaticColor);
        Assert.Equal(plain, without.Pixel(8, 3));
        Assert.Equal(plain, withLines.Pixel(0, 3)); // no line on the outer edge
        Assert.Equal(plain, withLines.Pixel(7, 3));
        var line = withLines.Pixel(8, 3);
        Assert.True(line.R < plain.Item1 && line.G < plain.Item2 && line.B < plain.Item3, $"grid line {line} should be darker than {plain}");
    }

    [Fact]
    public void FrameUsesTokenFrameIndexDividedByTemporalPatch()
    {
        // T = 2 token frames, pt = 2 -> 4 output frames; token frame 0 static, token frame 1 active.
        var output = Enumerable.Range(0, 4).Select(_ => Frame8.Solid(2, 2, 128, 128, 128)).ToList();
        var frames = LevelMapRenderer.Render(output, [1, 3], (2, 1, 1), (2, 2, 2), scale: 2);
        Assert.Equal(4, frames.Count);
        var s = Tinted(128, LevelMapRenderer.StaticColor);
        var a = Tinted(128, LevelMapRenderer.ActiveColor);
        Assert.Equal(s, frames[0].Pixel(1, 1));
        Assert.Equal(s, frames[1].Pixel(1, 1));
        Assert.Equal(a, frames[2].Pixel(1, 1));
        Assert.Equal(a, frames[3].Pixel(1, 1));
    }

    [Fact]
    public void LegendBarIsSplitByLevelFractions()
    {
        // 3 static, 1 active token: bar from x = 2 to width - 2, static over the first 75%.
        var output = new[] { Frame8.Solid(8, 8, 0, 0, 0) };
        var f = Assert.Single(LevelMapRenderer.Render(output, [1, 1, 3, 1], (1, 2, 2), (1, 4, 4), scale: 8));
        Assert.Equal(64, f.Width);
        int barY = 64 + 4;
        Assert.Equal(LevelMapRenderer.StaticColor, f.Pixel(3, barY));
        Assert.Equal(LevelMapRenderer.StaticColor, f.Pixel(45, barY));
        Assert.Equal(LevelMapRenderer.ActiveColor, f.Pixel(50, barY));
        Assert.Equal(LevelMapRenderer.ActiveColor, f.Pixel(60, barY));
        Assert.Equal(LevelMapRenderer.Background, f.Pixel(0, barY));
        Assert.Equal(LevelMapRenderer.Background, f.Pixel(30, 64));
    }

    [Fact]
    public void RejectsInconsistentInputs()
    {
        var output = new[] { Frame8.Solid(4, 4, 0, 0, 0) };
        Assert.Throws<ArgumentException>(() => LevelMapRenderer.Render(output, [1, 2, 3], (1, 2, 2), (1, 2, 2)));   // too few levels
        Assert.Throws<ArgumentException>(() => LevelMapRenderer.Render(output, [1, 2, 3, 4], (1, 2, 2), (1, 2, 2))); // level 4
        Assert.Throws<ArgumentException>(() => LevelMapRenderer.Render(output, [0, 2, 3, 1], (1, 2, 2), (1, 2, 2))); // level 0
        Assert.Throws<ArgumentException>(() => LevelMapRenderer.Render(output, [1, 1, 1, 1], (1, 2, 2), (1, 3, 2))); // wrong size
        var tooMany = new[] { output[0], output[0], output[0] };
        Assert.Throws<ArgumentException>(() => LevelMapRenderer.Render(tooMany, [1, 1, 1, 1], (1, 2, 2), (2, 2, 2)));
    }

    [Fact]
    public void MontageLaysOutRowsWithGaps()
    {
        var frames = Enumerable.Range(0, 5).Select(i => Frame8.Solid(4, 3, (byte)(10 * (i + 1)), 0, 0)).ToList();
        var m = LevelMapRenderer.Montage(frames, columns: 2, gap: 2);
        Assert.Equal(2 * 4 + 2, m.Width);
        Assert.Equal(3 * 3 + 2 * 2, m.Height);
        Assert.Equal(((byte)10, (byte)0, (byte)0), m.Pixel(0, 0));
        Assert.Equal(((byte)20, (byte)0, (byte)0), m.Pixel(6, 0));
        Assert.Equal(((byte)40, (byte)0, (byte)0), m.Pixel(9, 7));
        Assert.Equal(((byte)50, (byte)0, (byte)0), m.Pixel(3, 12));
        Assert.Equal(LevelMapRenderer.Background, m.Pixel(4, 0));  // gap column
        Assert.Equal(LevelMapRenderer.Background, m.Pixel(0, 3));  // gap row
        Assert.Equal(LevelMapRenderer.Background, m.Pixel(6, 12)); // empty last cell

        var wide = LevelMapRenderer.Montage(frames, columns: 10, gap: 1);
        Assert.Equal(5 * 4 + 4, wide.Width);
        Assert.Equal(3, wide.Height);
    }
}
