using System.Text;
using Jano.Engine.Output;
using Xunit;
using Xunit.Abstractions;

namespace Jano.Tests.Output;

public class OutputVideoTests(ITestOutputHelper log)
{
    private static readonly (byte R, byte G, byte B)[] Colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)];

    private static List<Frame8> SolidFrames(int w, int h) => Colours.Select(c => Frame8.Solid(w, h, c.R, c.G, c.B)).ToList();

    private bool SkipWithoutFfmpeg()
    {
        if (VideoWriter.FfmpegAvailable) return false;
        log.WriteLine("SKIPPED: ffmpeg is not on PATH (scripts/setup.sh installs it); GIF/MP4 encoding not tested.");
        return true;
    }

    [Fact]
    public void FfmpegAvailabilityMatchesPath()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "ffmpeg")));
        Assert.Equal(onPath, VideoWriter.FfmpegAvailable);
    }

    [Fact]
    public void WritesLoopingGifWithAllFramesAndUpscale()
    {
        if (SkipWithoutFfmpeg()) return;
        using var dir = new OutputTempDir();
        var path = dir.File("v.gif");
        VideoWriter.WriteGif(path, SolidFrames(5, 3), fps: 4, upscale: 2);

        Assert.Equal(["v.gif"], dir.Entries());
        var bytes = File.ReadAllBytes(path);
        Assert.Equal("GIF89a", Encoding.ASCII.GetString(bytes, 0, 6));
        Assert.Equal(10, BitConverter.ToUInt16(bytes, 6)); // logical screen width, little endian
        Assert.Equal(6, BitConverter.ToUInt16(bytes, 8));
        Assert.Contains("NETSCAPE2.0", Encoding.ASCII.GetString(bytes)); // loop extension

        var raw = OutputSupport.DecodeRaw(path);
        int frameBytes = 10 * 6 * 3;
        Assert.Equal(0, raw.Length % frameBytes);
        Assert.Equal(Colours.Length, raw.Length / frameBytes);
        for (int i = 0; i < Colours.Length; i++)
        {
            int o = i * frameBytes + (3 * 10 + 4) * 3; // pixel (4, 3)
            Assert.InRange(Math.Abs(raw[o] - Colours[i].R), 0, 8);
            Assert.InRange(Math.Abs(raw[o + 1] - Colours[i].G), 0, 8);
            Assert.InRange(Math.Abs(raw[o + 2] - Colours[i].B), 0, 8);
        }
    }

    [Fact]
    public void WritesMp4PaddedToEvenSize()
    {
        if (SkipWithoutFfmpeg()) return;
        using var dir = new OutputTempDir();
        var path = dir.File("v.mp4");
        var frames = Enumerable.Range(0, 6).Select(i => Frame8.Solid(7, 5, (byte)(40 * i), 128, (byte)(255 - 40 * i))).ToList();
        VideoWriter.WriteMp4(path, frames, fps: 8, upscale: 3);

        Assert.Equal(["v.mp4"], dir.Entries());
        var bytes = File.ReadAllBytes(path);
        Assert.Equal("ftyp", Encoding.ASCII.GetString(bytes, 4, 4));

        var raw = OutputSupport.DecodeRaw(path);
        int frameBytes = 22 * 16 * 3; // 21x15 padded to 22x16
        Assert.Equal(0, raw.Length % frameBytes);
        Assert.Equal(frames.Count, raw.Length / frameBytes);
        int centre = (8 * 22 + 10) * 3;
        Assert.InRange(raw[centre + 1], 110, 146); // green channel stays near 128
        Assert.True(raw[5 * frameBytes + centre] > raw[centre] + 100, "red rises across frames");
    }

    [Fact]
    public void WritingIntoMissingDirectoryThrowsAndLeavesNothing()
    {
        if (SkipWithoutFfmpeg()) return;
        using var dir = new OutputTempDir();
        var target = Path.Combine(dir.Path, "missing", "v.gif");
        Assert.ThrowsAny<IOException>(() => VideoWriter.WriteGif(target, SolidFrames(4, 4), 4));
        Assert.ThrowsAny<IOException>(() => VideoWriter.WriteMp4(Path.ChangeExtension(target, ".mp4"), SolidFrames(4, 4), 4));
        Assert.Empty(dir.Entries());
    }

    [Fact]
    public void RejectsFramesOfDifferentSizes()
    {
        using var dir = new OutputTempDir();
        var frames = new List<Frame8> { Frame8.Solid(4, 4, 0, 0, 0), Frame8.Solid(4, 5, 0, 0, 0) };
        var fake = OutputSupport.FakeExecutable(dir.Path, "ffmpeg-never-run", "exit 0");
        Assert.Throws<ArgumentException>(() => VideoWriter.WriteGif(fake, dir.File("x.gif"), frames, 4, 1));
        Assert.Throws<ArgumentException>(() => VideoWriter.WriteMp4(fake, dir.File("x.mp4"), [], 4, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => VideoWriter.WriteMp4(fake, dir.File("x.mp4"), frames[..1], 0, 1));
    }

    [Fact]
    public void FailingFfmpegIsAnIOExceptionWithItsLastStderrLine()
    {
        using var dir = new OutputTempDir();
        var fake = OutputSupport.FakeExecutable(dir.Path, "ffmpeg-fails",
            "cat > /dev/null\necho 'some warning' >&2\necho 'Unknown encoder libx264' >&2\nexit 3");
        var ex = Assert.Throws<IOException>(() => VideoWriter.WriteMp4(fake, dir.File("y.mp4"), SolidFrames(4, 4), 4, 1));
        Assert.Contains("Unknown encoder libx264", ex.Message);
        Assert.DoesNotContain("some warning", ex.Message);
        Assert.Equal(["ffmpeg-fails"], dir.Entries());
    }

    [Fact]
    public void FfmpegQuittingWithoutReadingInputIsAnIOException()
    {
        using var dir = new OutputTempDir();
        // Writes a partial output and exits at once: the pipe breaks, and the partial file must not survive.
        var fake = OutputSupport.FakeExecutable(dir.Path, "ffmpeg-quits",
            "for last; do :; done\necho partial > \"$last\"\necho 'Conversion failed!' >&2\nexit 1");
        var big = Enumerable.Range(0, 8).Select(i => OutputSupport.Pattern(512, 512, i)).ToList();
        var ex = Assert.Throws<IOException>(() => VideoWriter.WriteGif(fake, dir.File("z.gif"), big, 4, 1));
        Assert.Contains("Conversion failed!", ex.Message);
        Assert.Equal(["ffmpeg-quits"], dir.Entries());
    }
}
