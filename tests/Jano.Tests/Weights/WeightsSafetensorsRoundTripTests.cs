using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Jano.Core.Weights;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Weights;

public class WeightsSafetensorsRoundTripTests
{
    private static List<KeyValuePair<string, Tensor>> EveryDType()
    {
        torch.manual_seed(7);
        return
        [
            new("f32", torch.randn(3, 5)),
            new("f16", torch.randn(2, 3, 4).to(ScalarType.Float16)),
            new("bf16", torch.randn(6, 2).to(ScalarType.BFloat16)),
            new("f64", torch.randn(4, dtype: ScalarType.Float64)),
            new("i64", torch.tensor(new long[] { long.MinValue, -1, 0, 1, long.MaxValue })),
            new("i32", torch.tensor(new int[] { int.MinValue, -7, 0, 9, int.MaxValue }).reshape(5, 1)),
            new("i16", torch.tensor(new short[] { short.MinValue, -2, 3, short.MaxValue })),
            new("i8", torch.tensor(new sbyte[] { sbyte.MinValue, -1, 0, 5, sbyte.MaxValue })),
            new("u8", torch.tensor(new byte[] { 0, 1, 128, 255 })),
            new("bool", torch.tensor(new bool[] { true, false, false, true, true })),
            new("scalar", torch.tensor(3.25f)),
            new("empty", torch.empty(new long[] { 0, 3 }, ScalarType.Float32)),
        ];
    }

    private static readonly Dictionary<string, string> ExpectedDTypes = new()
    {
        ["f32"] = "F32", ["f16"] = "F16", ["bf16"] = "BF16", ["f64"] = "F64", ["i64"] = "I64", ["i32"] = "I32",
        ["i16"] = "I16", ["i8"] = "I8", ["u8"] = "U8", ["bool"] = "BOOL", ["scalar"] = "F32", ["empty"] = "F32",
    };

    [Fact]
    public void EveryDTypeRoundTripsBitIdentically()
    {
        using var dir = new WeightsTempDir();
        var path = dir.File("all.safetensors");
        var tensors = EveryDType();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\"" };
        SafetensorsWriter.Save(path, tensors, metadata);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(path, file.Path);
        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(tensors.Select(t => t.Key), file.Entries.Select(e => e.Name));
        foreach (var (name, original) in tensors)
        {
            Assert.True(file.Contains(name));
            Assert.Equal(ExpectedDTypes[name], file[name].DType);
            Assert.Equal(original.shape, file[name].Shape);
            using var read = file.Read(name);
            Assert.Equal(original.dtype, read.dtype);
            Assert.Equal(original.shape, read.shape);
            Assert.Equal(DeviceType.CPU, read.device_type);
            Assert.Equal(WeightsBytes.Of(original), WeightsBytes.Of(read));
        }
        Assert.False(file.Contains("nope"));
        Assert.Throws<KeyNotFoundException>(() => file["nope"]);
        Assert.Empty(file["scalar"].Shape);
        Assert.Equal(file["scalar"].Begin + 4, file["scalar"].End);
        Assert.Equal(file["empty"].Begin, file["empty"].End);
    }

    [Fact]
    public void ValuesSurviveForSpecificNumbers()
    {
        using var dir = new WeightsTempDir();
        var path = dir.File("v.safetensors");
        using var bf = torch.tensor(new float[] { 1.5f, -2.25f, 65536f }).to(ScalarType.BFloat16);
        using var half = torch.tensor(new float[] { 0.5f, -3f, 1024f }).to(ScalarType.Float16);
        SafetensorsWriter.Save(path, [new("bf", bf), new("half", half)]);
        using var file = SafetensorsFile.Open(path);
        using var b = file.Read("bf");
        using var h = file.Read("half");
        using var bf32 = b.to(ScalarType.Float32);
        using var h32 = h.to(ScalarType.Float32);
        Assert.Equal(new float[] { 1.5f, -2.25f, 65536f }, bf32.data<float>().ToArray());
        Assert.Equal(new float[] { 0.5f, -3f, 1024f }, h32.data<float>().ToArray());
    }

    [Fact]
    public void WrittenHeaderIsReadableByAnIndependentParser()
    {
        using var dir = new WeightsTempDir();
        var path = dir.File("h.safetensors");
        var a = torch.tensor(new float[] { 1f, 2f, 3f });            // 12 bytes
        var b = torch.tensor(new short[] { -1, 2 }).reshape(1, 2);     // 4 bytes
        var c = torch.tensor(7.0);                                     // F64 scalar, 8 bytes
        SafetensorsWriter.Save(path, [new("a", a), new("b", b), new("c", c)], new Dictionary<string, string> { ["k"] = "v" });

        var bytes = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(0, 8));
        Assert.Equal(0UL, (8 + n) % 8);
        var header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.StartsWith("{", header);
        Assert.Equal(header.TrimEnd(' ').Length, header.TrimEnd().Length); // only spaces pad
        Assert.EndsWith("}", header.TrimEnd(' '));
        using var doc = JsonDocument.Parse(header);
        var root = doc.RootElement;
        Assert.Equal("v", root.GetProperty("__metadata__").GetProperty("k").GetString());
        Assert.Equal(new[] { "__metadata__", "a", "b", "c" }, root.EnumerateObject().Select(p => p.Name));

        long dataStart = 8 + (long)n;
        long expectedBegin = 0;
        foreach (var (name, dtype, shape, size) in new[] { ("a", "F32", new long[] { 3 }, 12L), ("b", "I16", new long[] { 1, 2 }, 4L), ("c", "F64", Array.Empty<long>(), 8L) })
        {
            var e = root.GetProperty(name);
            Assert.Equal(dtype, e.GetProperty("dtype").GetString());
            Assert.Equal(shape, e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()));
            var offs = e.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            Assert.Equal(new[] { expectedBegin, expectedBegin + size }, offs);
            expectedBegin += size;
        }
        Assert.Equal(dataStart + expectedBegin, bytes.LongLength);

        // The data section holds the little-endian values.
        Assert.Equal(2f, BitConverter.ToSingle(bytes, (int)dataStart + 4));
        Assert.Equal(-1, BitConverter.ToInt16(bytes, (int)dataStart + 12));
        Assert.Equal(7.0, BitConverter.ToDouble(bytes, (int)dataStart + 16));
    }

    [Fact]
    public void ReadStreamsOnlyTheRequestedTensor()
    {
        using var dir = new WeightsTempDir();
        var path = dir.File("big.safetensors");
        using (var big = torch.zeros(8 * 1024 * 1024)) // 32 MiB
        using (var small = torch.arange(4, dtype: ScalarType.Float32))
            SafetensorsWriter.Save(path, [new("big", big), new("small", small)]);
        Assert.True(new FileInfo(path).Length > 32L * 1024 * 1024);

        using var file = SafetensorsFile.Open(path);
        using (var warm = file.Read("small")) { }
        long before = GC.GetAllocatedBytesForCurrentThread();
        using var s = file.Read("small");
        using var b = file.Read("big");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 256 * 1024, $"managed allocations while reading: {allocated} bytes");
        Assert.Equal(new float[] { 0, 1, 2, 3 }, s.data<float>().ToArray());
        Assert.Equal(8L * 1024 * 1024, b.numel());
    }

    [Fact]
    public void ReadIntoConvertsDTypeAndChecksShape()
    {
        using var dir = new WeightsTempDir();
        var path = dir.File("r.safetensors");
        using var half = torch.tensor(new float[] { 0.5f, -1.25f, 3f, 8f }).reshape(2, 2).to(ScalarType.Float16);
        SafetensorsWriter.Save(path, [new("w", half)]);
        using var file = SafetensorsFile.Open(path);

        using var dest = torch.zeros(2, 2, requires_grad: true);
        file.ReadInto("w", dest);
        Assert.Equal(ScalarType.Float32, dest.dtype);
        Assert.True(dest.requires_grad);
        Assert.Equal(new float[] { 0.5f, -1.25f, 3f, 8f }, dest.detach().data<float>().ToArray());

        using var wrong = torch.zeros(4);
        var ex = Assert.Throws<WeightFileException>(() => file.ReadInto("w", wrong));
        Assert.Contains("'w' has shape [2, 2] but the destination has shape [4]", ex.Message);
    }
}
