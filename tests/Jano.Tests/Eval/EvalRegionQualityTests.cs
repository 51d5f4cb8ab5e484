using Jano.Core.Metrics;
using Xunit;

namespace Jano.Tests.Eval;

public class EvalRegionQualityTests
{
    private static RgbFrame Grey(int w, int h, Func<int, int, byte> value)
    {
        var p = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                p[(y * w + x) * 3] = p[(y * w + x) * 3 + 1] = p[(y * w + x) * 3 + 2] = value(x, y);
        return new RgbFrame(w, h, p);
    }

    private static RgbFrame Noise(int w, int h, int seed)
    {
        var p = new byte[w * h * 3];
        new Random(seed).NextBytes(p);
        return new RgbFrame(w, h, p);
    }

    [Fact]
    public void ObjectRegionIsThresholdThenTwoPixelDilation()
    {
        // 26/255 = 0.102 > 0.1 is object; 25/255 = 0.098 is not.
        var one = RegionQuality.ObjectRegion(Grey(32, 32, (x, y) => x == 10 && y == 10 ? (byte)26 : (byte)0));
        Assert.Equal(25, one.Count(b => b));
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++)
                Assert.Equal(x is >= 8 and <= 12 && y is >= 8 and <= 12, one[y * 32 + x]);
        Assert.DoesNotContain(true, RegionQuality.ObjectRegion(Grey(32, 32, (x, y) => x == 10 && y == 10 ? (byte)25 : (byte)0)));
        Assert.Equal(9, RegionQuality.ObjectRegion(Grey(32, 32, (x, y) => x == 0 && y == 0 ? (byte)255 : (byte)0)).Count(b => b));
        Assert.Equal(1, RegionQuality.ObjectRegion(Grey(32, 32, (x, y) => x == 5 && y == 5 ? (byte)255 : (byte)0), dilation: 0).Count(b => b));
    }

    [Fact]
    public void RegionPsnrIsTheMseOverRegionPixelsOnly()
    {
        int w = 16, h = 16;
        var region = new bool[w * h];
        for (int i = 0; i < 20; i++) region[40 + i] = true;
        // Inside the region 4 pixels differ by 10 (all channels); outside, every pixel differs by 100.
        var a = Grey(w, h, (x, y) => 50);
        var b = Grey(w, h, (x, y) =>
        {
            int i = y * w + x;
            if (!region[i]) return 150;
            return i < 44 ? (byte)60 : (byte)50;
        });
        double mse = 4 * 3 * 100.0 / (20 * 3);
        Assert.Equal(10 * Math.Log10(255.0 * 255.0 / mse), RegionQuality.Psnr(a, b, region), 9);
        var identicalInside = Grey(w, h, (x, y) => region[y * w + x] ? (byte)50 : (byte)0);
        Assert.True(double.IsPositiveInfinity(RegionQuality.Psnr(a, identicalInside, region)));
        Assert.True(double.IsNaN(RegionQuality.Psnr(a, b, new bool[w * h])));
        var all = Enumerable.Repeat(true, w * h).ToArray();
        var n1 = Noise(w, h, 1);
        var n2 = Noise(w, h, 2);
        Assert.Equal(ImageQuality.Psnr(n1, n2), RegionQuality.Psnr(n1, n2, all), 10);
    }

    [Fact]
    public void RegionSsimAveragesTheSsimMapOverRegionCentres()
    {
        var a = Noise(24, 20, 3);
        var b = Noise(24, 20, 4);
        var all = Enumerable.Repeat(true, 24 * 20).ToArray();
        Assert.Equal(ImageQuality.Ssim(a, b), RegionQuality.Ssim(a, b, all), 9);
        // Only border pixels (no 7x7 window centre) → undefined.
        var border = new bool[24 * 20];
        for (int x = 0; x < 24; x++) border[x] = true;
        Assert.True(double.IsNaN(RegionQuality.Ssim(a, b, border)));
        // Frames equal on the left half: a region of centres whose windows lie there has SSIM 1, though the frames differ elsewhere.
        var c = new RgbFrame(24, 20, (byte[])a.Pixels.Clone());
        for (int y = 0; y < 20; y++)
            for (int x = 12; x < 24; x++)
                for (int ch = 0; ch < 3; ch++) c.Pixels[(y * 24 + x) * 3 + ch] = (byte)(255 - a.Pixels[(y * 24 + x) * 3 + ch]);
        var left = new bool[24 * 20];
        for (int y = 3; y < 17; y++)
            for (int x = 3; x <= 8; x++) left[y * 24 + x] = true;
        Assert.Equal(1.0, RegionQuality.Ssim(a, c, left), 12);
        Assert.True(ImageQuality.Ssim(a, c) < 0.9);
        Assert.Throws<ArgumentException>(() => RegionQuality.Ssim(a, c, new bool[10]));
    }

    [Fact]
    public void CompareAveragesDefinedFramesAndCapsIdenticalOnes()
    {
        var a = Noise(16, 16, 5);
        var b = Noise(16, 16, 6);
        var all = Enumerable.Repeat(true, 256).ToArray();
        var r = RegionQuality.Compare([a, a], [b, a], [all, all]);
        Assert.False(r.Identical);
        Assert.Equal((ImageQuality.Psnr(a, b) + ImageQuality.IdenticalFramePsnr) / 2, r.Psnr!.Value, 9);
        var same = RegionQuality.Compare([a], [a], [all]);
        Assert.True(same.Identical);
        Assert.Null(same.Psnr);
        var skipped = RegionQuality.Compare([a, a], [b, b], [all, new bool[256]]);
        Assert.Equal(ImageQuality.Psnr(a, b), skipped.Psnr!.Value, 9);
    }
}
