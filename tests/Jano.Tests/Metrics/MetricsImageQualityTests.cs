using System.Text.Json;
using Jano.Core.Metrics;
using Xunit;

namespace Jano.Tests.Metrics;

public class MetricsImageQualityTests
{
    private static readonly JsonElement Fixture = MetricsFixtures.Load("image_quality.json");

    public static IEnumerable<object[]> ImageCases() =>
        Fixture.GetProperty("images").EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static (RgbFrame A, RgbFrame B, double? Psnr, double Ssim) Case(string name)
    {
        var c = Fixture.GetProperty("images").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        int w = c.GetProperty("width").GetInt32(), h = c.GetProperty("height").GetInt32();
        return (MetricsFixtures.Frame(w, h, c.GetProperty("a").GetString()!),
                MetricsFixtures.Frame(w, h, c.GetProperty("b").GetString()!),
                MetricsFixtures.NullableDouble(c.GetProperty("psnr")),
                c.GetProperty("ssim").GetDouble());
    }

    [Fact]
    public void FixtureCoversTheRequiredShapes()
    {
        var names = ImageCases().Select(o => (string)o[0]).ToHashSet();
        Assert.Contains("32x32", names);
        Assert.Contains("40x24", names);
        Assert.Contains("7x9", names);
        Assert.Contains("identical-16x12", names);
        Assert.True(names.Count >= 8);
    }

    [Theory]
    [MemberData(nameof(ImageCases))]
    public void PsnrMatchesSkimage(string name)
    {
        var (a, b, expected, _) = Case(name);
        double actual = ImageQuality.Psnr(a, b);
        if (expected is null) Assert.True(double.IsPositiveInfinity(actual));
        else Assert.InRange(actual, expected.Value - 1e-9, expected.Value + 1e-9);
    }

    [Theory]
    [MemberData(nameof(ImageCases))]
    public void SsimMatchesSkimage(string name)
    {
        var (a, b, _, expected) = Case(name);
        double actual = ImageQuality.Ssim(a, b);
        Assert.InRange(actual, expected - 1e-7, expected + 1e-7);
    }

    [Fact]
    public void SsimIsSymmetricAndNonTrivial()
    {
        var (a, b, _, expected) = Case("40x24");
        Assert.Equal(ImageQuality.Ssim(a, b), ImageQuality.Ssim(b, a), 12);
        Assert.InRange(expected, 0.1, 0.95);   // the fixture exercises a real, partial similarity
    }

    [Fact]
    public void IdenticalFramesGiveInfinitePsnrAndUnitSsim()
    {
        var (a, b, _, _) = Case("identical-16x12");
        Assert.True(double.IsPositiveInfinity(ImageQuality.Psnr(a, b)));
        Assert.Equal(1.0, ImageQuality.Ssim(a, b));
        var r = ImageQuality.Compare(new[] { a }, new[] { b });
        Assert.Null(r.Psnr);
        Assert.True(r.Identical);
        Assert.Equal(1.0, r.Ssim);
        Assert.Equal(new[] { ImageQuality.IdenticalFramePsnr }, r.PsnrPerFrame);
    }

    [Fact]
    public void OneChangedPixelGivesFinitePsnr()
    {
        var pixels = new byte[10 * 8 * 3];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 7 % 256);
        var a = new RgbFrame(10, 8, pixels);
        var changed = (byte[])pixels.Clone();
        changed[3 * (2 * 10 + 5) + 2] ^= 1;                          // one channel of pixel (row 2, col 5), by 1
        var b = new RgbFrame(10, 8, changed);

        double psnr = ImageQuality.Psnr(a, b);
        // MSE = 1/240 -> PSNR = 10 log10(255² · 240)
        Assert.Equal(10 * Math.Log10(255.0 * 255.0 * 240), psnr, 10);
        var r = ImageQuality.Compare(new[] { a }, new[] { b });
        Assert.False(r.Identical);
        Assert.NotNull(r.Psnr);
        Assert.True(double.IsFinite(r.Psnr!.Value));
        Assert.Equal(psnr, r.Psnr!.Value, 12);                      // a differing frame keeps its exact PSNR (> 60 dB here)
        Assert.True(r.Ssim < 1.0);
    }

    [Fact]
    public void CompareVideoMatchesPerFrameSkimageAndCapsTheIdenticalFrame()
    {
        var v = Fixture.GetProperty("video");
        int w = v.GetProperty("width").GetInt32(), h = v.GetProperty("height").GetInt32();
        var a = v.GetProperty("a").EnumerateArray().Select(e => MetricsFixtures.Frame(w, h, e.GetString()!)).ToArray();
        var b = v.GetProperty("b").EnumerateArray().Select(e => MetricsFixtures.Frame(w, h, e.GetString()!)).ToArray();
        Assert.Equal(3, a.Length);

        var r = ImageQuality.Compare(a, b);
        var expectedPsnr = v.GetProperty("psnrPerFrame").EnumerateArray().Select(MetricsFixtures.NullableDouble).ToArray();
        var expectedSsim = MetricsFixtures.Doubles(v.GetProperty("ssimPerFrame"));
        Assert.False(r.Identical);
        for (int i = 0; i < 3; i++)
        {
            double want = expectedPsnr[i] ?? 60.0;
            Assert.InRange(r.PsnrPerFrame[i], want - 1e-9, want + 1e-9);
            Assert.InRange(r.SsimPerFrame[i], expectedSsim[i] - 1e-7, expectedSsim[i] + 1e-7);
        }
        Assert.Null(expectedPsnr[1]);                                 // frame 1 is the identical one
        double meanPsnr = v.GetProperty("psnrMeanCapped60").GetDouble();
        double meanSsim = v.GetProperty("ssimMean").GetDouble();
        Assert.InRange(r.Psnr!.Value, meanPsnr - 1e-9, meanPsnr + 1e-9);
        Assert.InRange(r.Ssim, meanSsim - 1e-7, meanSsim + 1e-7);
    }

    [Fact]
    public void CompareOfAllIdenticalVideoHasNoPsnr()
    {
        var (a, _, _, _) = Case("32x32");
        var (c, _, _, _) = Case("one-pixel-32x32");
        var r = ImageQuality.Compare(new[] { a, c }, new[] { a with { }, c with { Pixels = (byte[])c.Pixels.Clone() } });
        Assert.True(r.Identical);
        Assert.Null(r.Psnr);
        Assert.Equal(new[] { 60.0, 60.0 }, r.PsnrPerFrame);
        Assert.Equal(new[] { 1.0, 1.0 }, r.SsimPerFrame);
    }

    [Fact]
    public void MismatchedSizesThrowWithClearMessage()
    {
        var (a, _, _, _) = Case("32x32");
        var (b, _, _, _) = Case("40x24");
        var e1 = Assert.Throws<ArgumentException>(() => ImageQuality.Psnr(a, b));
        Assert.StartsWith("frames differ in size: 32x32 vs 40x24", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => ImageQuality.Ssim(a, b));
        Assert.StartsWith("frames differ in size: 32x32 vs 40x24", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => ImageQuality.Compare(new[] { a, a }, new[] { a, b }));
        Assert.StartsWith("frame 1: frames differ in size: 32x32 vs 40x24", e3.Message);
    }

    [Fact]
    public void CompareRejectsFrameCountMismatchAndEmptyVideos()
    {
        var (a, _, _, _) = Case("32x32");
        var e1 = Assert.Throws<ArgumentException>(() => ImageQuality.Compare(new[] { a, a }, new[] { a }));
        Assert.StartsWith("videos differ in frame count: 2 vs 1", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => ImageQuality.Compare(Array.Empty<RgbFrame>(), Array.Empty<RgbFrame>()));
        Assert.StartsWith("videos must contain at least one frame", e2.Message);
    }

    [Fact]
    public void SsimRejectsFramesSmallerThanTheWindow()
    {
        var a = new RgbFrame(6, 9, new byte[6 * 9 * 3]);
        var e = Assert.Throws<ArgumentException>(() => ImageQuality.Ssim(a, a));
        Assert.StartsWith("SSIM needs frames of at least 7x7 pixels, got 6x9", e.Message);
        var ok = new RgbFrame(7, 7, new byte[7 * 7 * 3]);
        Assert.Equal(1.0, ImageQuality.Ssim(ok, ok));
    }

    [Fact]
    public void FrameValidatesItsBuffer()
    {
        var e = Assert.Throws<ArgumentException>(() => new RgbFrame(3, 2, new byte[17]));
        Assert.StartsWith("pixels must hold width*height*3 = 18 bytes, got 17", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RgbFrame(0, 2, Array.Empty<byte>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RgbFrame(2, -1, Array.Empty<byte>()));

        var good = new RgbFrame(3, 2, new byte[18]);
        var bad = good with { Pixels = new byte[5] };              // `with` skips the constructor; the metrics check again
        var e2 = Assert.Throws<ArgumentException>(() => ImageQuality.Psnr(good, bad));
        Assert.StartsWith("pixels must hold width*height*3 = 18 bytes, got 5", e2.Message);
    }
}
