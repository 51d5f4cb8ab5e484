using Xunit;
using Jano.Engine.Output;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Tests.Output;

public class OutputFrameConverterTests
{
    [Fact]
    public void MapsRangeEndpointsAndMidpoint()
    {
        // [C=3, T=1, H=1, W=3]: pixel x has every channel at values[x].
        using var v = torch.tensor(new float[] { -1f, 0f, 1f, -1f, 0f, 1f, -1f, 0f, 1f }).reshape(3, 1, 1, 3);
        var frames = FrameConverter.ToFrames(v);
        var f = Assert.Single(frames);
        Assert.Equal(3, f.Width);
        Assert.Equal(1, f.Height);
        Assert.Equal(new byte[] { 0, 0, 0, 128, 128, 128, 255, 255, 255 }, f.Rgb);
    }

    [Fact]
    public void ClampsOutOfRangeAndRoundsToNearest()
    {
        // x = -3 -> 0; x = 5 -> 255; x = 0.5 -> 0.75*255 = 191.25 -> 191; x = -0.5 -> 63.75 -> 64; NaN -> 0.
        using var v = torch.tensor(new float[] { -3f, 5f, 0.5f, -0.5f, float.NaN, float.PositiveInfinity }).reshape(1, 1, 1, 6);
        var f = Assert.Single(FrameConverter.ToFrames(v));
        byte[] expected = [0, 0, 0, 255, 255, 255, 191, 191, 191, 64, 64, 64, 0, 0, 0, 255, 255, 255];
        Assert.Equal(expected, f.Rgb);
    }

    [Fact]
    public void KeepsChannelTimeRowColumnLayout()
    {
        // value encodes (c, t, y, x) so a permutation mistake changes bytes.
        int C = 3, T = 2, H = 2, W = 3;
        var data = new float[C * T * H * W];
        for (int c = 0; c < C; c++)
            for (int t = 0; t < T; t++)
                for (int y = 0; y < H; y++)
                    for (int x = 0; x < W; x++)
                        data[((c * T + t) * H + y) * W + x] = Value(c, t, y, x) / 127.5f - 1f;
        using var v = torch.tensor(data).reshape(C, T, H, W);
        var frames = FrameConverter.ToFrames(v);
        Assert.Equal(T, frames.Count);
        for (int t = 0; t < T; t++)
        {
            Assert.Equal(W, frames[t].Width);
            Assert.Equal(H, frames[t].Height);
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                {
                    var p = frames[t].Pixel(x, y);
                    Assert.Equal(((byte)Value(0, t, y, x), (byte)Value(1, t, y, x), (byte)Value(2, t, y, x)), p);
                }
        }

        static int Value(int c, int t, int y, int x) => 10 + c * 80 + t * 20 + y * 7 + x * 2;
    }

    [Fact]
    public void GreyIsReplicatedToRgb()
    {
        using var v = torch.tensor(new float[] { -1f, 1f, 0f, 0.5f }).reshape(1, 2, 1, 2);
        var frames = FrameConverter.ToFrames(v);
        Assert.Equal(2, frames.Count);
        Assert.Equal(new byte[] { 0, 0, 0, 255, 255, 255 }, frames[0].Rgb);
        Assert.Equal(new byte[] { 128, 128, 128, 191, 191, 191 }, frames[1].Rgb);
    }

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void AcceptsOtherFloatDtypes(ScalarType dtype)
    {
        using var v = torch.tensor(new float[] { -1f, 0f, 1f }).reshape(1, 1, 1, 3).to(dtype);
        var f = Assert.Single(FrameConverter.ToFrames(v));
        Assert.Equal(new byte[] { 0, 0, 0, 128, 128, 128, 255, 255, 255 }, f.Rgb);
    }

    [Fact]
    public void AcceptsTensorsThatRequireGradAndLeavesThemUntouched()
    {
        using var v = torch.zeros(3, 1, 2, 2, requires_grad: true);
        var f = Assert.Single(FrameConverter.ToFrames(v));
        Assert.All(f.Rgb, b => Assert.Equal(128, b));
        Assert.Equal(0f, v.abs().sum().item<float>());
    }

    [Fact]
    public void RejectsBadShapesAndDtypes()
    {
        using var threeD = torch.zeros(3, 2, 2);
        using var twoChannels = torch.zeros(2, 1, 2, 2);
        using var ints = torch.zeros(3, 1, 2, 2, ScalarType.Int32);
        Assert.Throws<ArgumentException>(() => FrameConverter.ToFrames(threeD));
        Assert.Throws<ArgumentException>(() => FrameConverter.ToFrames(twoChannels));
        Assert.Throws<ArgumentException>(() => FrameConverter.ToFrames(ints));
    }

    [Fact]
    public void UpscaleIsNearestNeighbour()
    {
        var f = new Frame8(2, 1, [1, 2, 3, 4, 5, 6]);
        var u = FrameConverter.Upscale(f, 3);
        Assert.Equal(6, u.Width);
        Assert.Equal(3, u.Height);
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 6; x++)
                Assert.Equal(x < 3 ? ((byte)1, (byte)2, (byte)3) : ((byte)4, (byte)5, (byte)6), u.Pixel(x, y));
        Assert.Same(f, FrameConverter.Upscale(f, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => FrameConverter.Upscale(f, 0));
    }

    [Fact]
    public void UpscaleKeepsRowsDistinct()
    {
        var f = new Frame8(1, 2, [10, 20, 30, 40, 50, 60]);
        var u = FrameConverter.Upscale(f, 2);
        Assert.Equal(new byte[] { 10, 20, 30, 10, 20, 30, 10, 20, 30, 10, 20, 30, 40, 50, 60, 40, 50, 60, 40, 50, 60, 40, 50, 60 }, u.Rgb);
    }

    [Fact]
    public void Frame8ValidatesItsBuffer()
    {
        Assert.Throws<ArgumentException>(() => new Frame8(2, 2, new byte[11]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Frame8(0, 2, []));
        Assert.True(Frame8.Solid(2, 2, 1, 2, 3).PixelsEqual(new Frame8(2, 2, [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3])));
    }
}
