using System.Text;
using Jano.Core.Weights;
using TorchSharp;
using Xunit;

namespace Jano.Tests.Weights;

public class WeightsMalformedFileTests
{
    private const string GoodEntry = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    /// <summary>Writes <paramref name="bytes"/>, opens it, and returns the one-line message, which must name the file.</summary>
    private static string OpenFails(byte[] bytes, string fileName = "model.safetensors")
    {
        using var dir = new WeightsTempDir();
        var path = dir.File(fileName);
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<WeightFileException>(() => SafetensorsFile.Open(path));
        Assert.StartsWith(path + ": ", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.DoesNotContain('\r', ex.Message);
        return ex.Message[(path.Length + 2)..];
    }

    [Fact]
    public void FileShorterThanTheLengthPrefix() =>
        Assert.Equal("file is 5 bytes, too short to hold the 8-byte header length", OpenFails([1, 2, 3, 4, 5]));

    [Fact]
    public void TruncatedDataSection()
    {
        var bytes = WeightsBytes.File("{\"a\":" + GoodEntry + "}", new byte[8]);
        var message = OpenFails(bytes[..^3]);
        Assert.Equal("tensor 'a' data_offsets [0, 8] extend past the end of the data section (5 bytes)", message);
    }

    [Fact]
    public void HeaderLengthLargerThanTheFile()
    {
        var bytes = WeightsBytes.File("{}", [], headerLength: 1000);
        Assert.Equal("header length 1000 bytes is larger than the file (10 bytes)", OpenFails(bytes));
    }

    [Fact]
    public void HeaderLengthOverTheLimit()
    {
        var bytes = WeightsBytes.File("{}", [], headerLength: 200UL * 1024 * 1024);
        Assert.Contains("exceeds the 100 MB limit", OpenFails(bytes));
    }

    [Fact]
    public void BadJson() =>
        Assert.StartsWith("header is not valid JSON", OpenFails(WeightsBytes.File("{\"a\": {\"dtype\": ", [])));

    [Fact]
    public void NotUtf8()
    {
        byte[] header = [(byte)'{', (byte)'"', 0xFF, 0xFE, (byte)'"', (byte)':', (byte)'1', (byte)'}'];
        var bytes = new byte[8 + header.Length];
        bytes[0] = (byte)header.Length;
        header.CopyTo(bytes, 8);
        Assert.Equal("header is not valid UTF-8", OpenFails(bytes));
    }

    [Fact]
    public void NotAnObject() =>
        Assert.Equal("header is a JSON array, not an object", OpenFails(WeightsBytes.File("[1, 2]", [])));

    [Fact]
    public void UnknownDType()
    {
        var message = OpenFails(WeightsBytes.File("{\"a\":{\"dtype\":\"F8\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[2]));
        Assert.StartsWith("tensor 'a' has unknown dtype 'F8'", message);
    }

    [Fact]
    public void NegativeShape() =>
        Assert.Equal("tensor 'a' shape must be an array of non-negative integers",
            OpenFails(WeightsBytes.File("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", new byte[8])));

    [Fact]
    public void BadOffsets() =>
        Assert.Equal("tensor 'a' data_offsets must be [begin, end] with 0 <= begin <= end",
            OpenFails(WeightsBytes.File("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", new byte[8])));

    [Fact]
    public void OverlappingOffsets()
    {
        var header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}," +
                     "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        Assert.Equal("tensors 'a' [0, 8] and 'b' [4, 12] overlap", OpenFails(WeightsBytes.File(header, new byte[12])));
    }

    [Fact]
    public void OffsetsDoNotMatchShape()
    {
        var header = "{\"a.weight\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[0,10]}}";
        Assert.Equal("tensor 'a.weight' data_offsets [0, 10] do not match shape [3, 4] of F32 (48 bytes)",
            OpenFails(WeightsBytes.File(header, new byte[48])));
    }

    [Fact]
    public void DuplicateKey()
    {
        var header = "{\"a\":" + GoodEntry + ",\"a\":" + GoodEntry + "}";
        Assert.Equal("header has the key 'a' twice", OpenFails(WeightsBytes.File(header, new byte[8])));
    }

    [Fact]
    public void NonStringMetadata() =>
        Assert.Equal("__metadata__ value 'n' is not a string", OpenFails(WeightsBytes.File("{\"__metadata__\":{\"n\":1}}", [])));

    [Fact]
    public void NameWithLineBreakStaysOnOneLine()
    {
        var message = OpenFails(WeightsBytes.File("{\"a\\nb\":{\"dtype\":\"X\",\"shape\":[],\"data_offsets\":[0,0]}}", []));
        Assert.StartsWith("tensor 'a\\u000ab' has unknown dtype 'X'", message);
    }

    [Fact]
    public void MissingFile()
    {
        using var dir = new WeightsTempDir();
        var path = dir.File("absent.safetensors");
        var ex = Assert.Throws<WeightFileException>(() => SafetensorsFile.Open(path));
        Assert.StartsWith(path + ": cannot open", ex.Message);
    }

    [Fact]
    public void EmptyHeaderObjectIsValid()
    {
        using var dir = new WeightsTempDir();
        var path = dir.File("empty.safetensors");
        File.WriteAllBytes(path, WeightsBytes.File("{}      ", []));
        using var file = SafetensorsFile.Open(path);
        Assert.Empty(file.Entries);
        Assert.Empty(file.Metadata);
    }
}
