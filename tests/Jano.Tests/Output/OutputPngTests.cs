using Jano.Engine.Output;
using Xunit;

namespace Jano.Tests.Output;

public class OutputPngTests
{
    [Fact]
    public void RoundTripIsPixelExactAndLeavesNoTempFile()
    {
        using var dir = new OutputTempDir();
        var frame = OutputSupport.Pattern(37, 23, seed: 1);
        var path = dir.File("a.png");
        PngWriter.Write(path, frame);

        Assert.Equal(["a.png"], dir.Entries());
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        var back = PngWriter.Read(path);
        Assert.Equal(37, back.Width);
        Assert.Equal(23, back.Height);
        Assert.Equal(frame.Rgb, back.Rgb);
    }

    [Fact]
    public void OverwritesAnExistingFile()
    {
        using var dir = new OutputTempDir();
        var path = dir.File("b.png");
        PngWriter.Write(path, Frame8.Solid(4, 4, 255, 0, 0));
        var second = OutputSupport.Pattern(3, 5, seed: 2);
        PngWriter.Write(path, second);
        Assert.True(second.PixelsEqual(PngWriter.Read(path)));
        Assert.Equal(["b.png"], dir.Entries());
    }

    [Fact]
    public void WritingIntoMissingDirectoryThrowsAndLeavesNothing()
    {
        using var dir = new OutputTempDir();
        var missing = Path.Combine(dir.Path, "nope");
        Assert.ThrowsAny<IOException>(() => PngWriter.Write(Path.Combine(missing, "c.png"), Frame8.Solid(2, 2, 1, 2, 3)));
        Assert.False(Directory.Exists(missing));
        Assert.Empty(dir.Entries());
    }

    [Fact]
    public void ReadReportsMissingAndInvalidFiles()
    {
        using var dir = new OutputTempDir();
        Assert.Throws<FileNotFoundException>(() => PngWriter.Read(dir.File("none.png")));
        var junk = dir.File("junk.png");
        File.WriteAllText(junk, "this is not an image");
        Assert.Throws<InvalidDataException>(() => PngWriter.Read(junk));
    }
}
