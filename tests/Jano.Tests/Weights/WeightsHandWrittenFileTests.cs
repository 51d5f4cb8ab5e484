using System.Text;
using Jano.Core.Weights;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Weights;

/// <summary>
/// A safetensors file assembled byte by byte, independent of <see cref="SafetensorsWriter"/>:
/// <list type="bullet">
/// <item>bytes 0..7: header length 251 as u64 little-endian: FB 00 00 00 00 00 00 00;</item>
/// <item>bytes 8..258: the 251-byte JSON header below (no padding);</item>
/// <item>16 data bytes:
///   x F32 [2]  = 1.0 (00 00 80 3F), -2.5 (00 00 20 C0);
///   y BF16 [1,2] = 1.0 (80 3F), -0.5 (00 BF);
///   z I16 []   = -2 (FE FF);
///   h F16 [1]  = 1.0 (00 3C).</item>
/// </list>
/// </summary>
public class WeightsHandWrittenFileTests
{
    private const string Header =
        "{\"__metadata__\":{\"format\":\"pt\"}," +
        "\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}," +
        "\"y\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[8,12]}," +
        "\"z\":{\"dtype\":\"I16\",\"shape\":[],\"data_offsets\":[12,14]}," +
        "\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[14,16]}}";

    private static readonly byte[] LengthPrefix = [0xFB, 0, 0, 0, 0, 0, 0, 0];

    private static readonly byte[] Data =
    [
        0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0, // x
        0x80, 0x3F, 0x00, 0xBF,                         // y
        0xFE, 0xFF,                                     // z
        0x00, 0x3C,                                     // h
    ];

    [Fact]
    public void ReadsTheExpectedValues()
    {
        Assert.Equal(251, Encoding.UTF8.GetByteCount(Header));
        using var dir = new WeightsTempDir();
        var path = dir.File("hand.safetensors");
        File.WriteAllBytes(path, [.. LengthPrefix, .. Encoding.UTF8.GetBytes(Header), .. Data]);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(new[] { "x", "y", "z", "h" }, file.Entries.Select(e => e.Name));
        Assert.Equal(new TensorEntry("y", "BF16", [1, 2], 8, 12) with { Shape = file["y"].Shape }, file["y"]);
        Assert.Equal(new long[] { 1, 2 }, file["y"].Shape);

        using var x = file.Read("x");
        Assert.Equal(ScalarType.Float32, x.dtype);
        Assert.Equal(new float[] { 1f, -2.5f }, x.data<float>().ToArray());

        using var y = file.Read("y");
        Assert.Equal(ScalarType.BFloat16, y.dtype);
        Assert.Equal(new long[] { 1, 2 }, y.shape);
        using var y32 = y.to(ScalarType.Float32);
        Assert.Equal(new float[] { 1f, -0.5f }, y32.data<float>().ToArray());

        using var z = file.Read("z");
        Assert.Equal(ScalarType.Int16, z.dtype);
        Assert.Empty(z.shape);
        Assert.Equal((short)-2, z.item<short>());

        using var h = file.Read("h");
        Assert.Equal(ScalarType.Float16, h.dtype);
        using var h32 = h.to(ScalarType.Float32);
        Assert.Equal(1f, h32.item<float>());
    }
}
