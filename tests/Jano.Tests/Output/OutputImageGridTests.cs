using Jano.Engine.Output;
using Xunit;

namespace Jano.Tests.Output;

public class OutputImageGridTests
{
    [Fact]
    public void ComposesRaggedRowsWithUpscaleAndGap()
    {
        IReadOnlyList<IReadOnlyList<Frame8>> rows =
        [
            [Frame8.Solid(2, 2, 1, 0, 0), Frame8.Solid(2, 2, 2, 0, 0), Frame8.Solid(2, 2, 3, 0, 0)],
            [new Frame8(2, 1, [4, 0, 0, 5, 0, 0])],
        ];
        var g = ImageGrid.Compose(rows, gap: 1, upscale: 2);
        Assert.Equal(3 * 4 + 2, g.Width);
        Assert.Equal(2 * 4 + 1, g.Height);
        Assert.Equal(((byte)1, (byte)0, (byte)0), g.Pixel(3, 3));
        Assert.Equal(((byte)2, (byte)0, (byte)0), g.Pixel(5, 0));
        Assert.Equal(((byte)3, (byte)0, (byte)0), g.Pixel(13, 3));
        Assert.Equal(ImageGrid.Background, g.Pixel(4, 0));          // gap
        Assert.Equal(((byte)4, (byte)0, (byte)0), g.Pixel(1, 5));  // row 2 starts at y = 5
        Assert.Equal(((byte)5, (byte)0, (byte)0), g.Pixel(3, 6));
        Assert.Equal(ImageGrid.Background, g.Pixel(0, 7));         // below the short frame
        Assert.Equal(ImageGrid.Background, g.Pixel(6, 6));         // missing cell
    }

    [Fact]
    public void CaptionsAreDrawnWhenAFontExistsAndSkippedOtherwise()
    {
        IReadOnlyList<IReadOnlyList<Frame8>> rows = [[Frame8.Solid(40, 10, 0, 0, 0)], [Frame8.Solid(40, 10, 0, 0, 0)]];
        var plain = ImageGrid.Compose(rows, 2, 2);
        var labelled = ImageGrid.Compose(rows, 2, 2, ["seed 1", null]);
        if (!ImageGrid.LabelsAvailable)
        {
            Assert.True(plain.PixelsEqual(labelled));
            return;
        }
        Assert.Equal(plain.Width, labelled.Width);
        Assert.Equal(plain.Height + 2 * ImageGrid.CaptionHeight, labelled.Height);
        // Some caption pixels of row 1 are lit; the caption strip of row 2 (no label) stays background.
        int lit = 0;
        for (int y = 0; y < ImageGrid.CaptionHeight; y++)
            for (int x = 0; x < labelled.Width; x++)
                if (labelled.Pixel(x, y) != ImageGrid.Background) lit++;
        Assert.True(lit > 10, $"expected caption text, {lit} pixels lit");
        int row2 = ImageGrid.CaptionHeight + 20 + 2;
        for (int y = row2; y < row2 + ImageGrid.CaptionHeight; y++)
            for (int x = 0; x < labelled.Width; x++)
                Assert.Equal(ImageGrid.Background, labelled.Pixel(x, y));
        Assert.Throws<ArgumentException>(() => ImageGrid.Compose(rows, 2, 2, ["only one"]));
    }
}
