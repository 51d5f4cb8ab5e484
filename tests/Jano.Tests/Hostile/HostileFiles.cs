using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Jano.Tests.Hostile;

/// <summary>Builds valid and damaged weight files in memory (safetensors and torch.save zips), all from C# so the
/// corpus needs no committed binaries and no Python.</summary>
internal static class HostileFiles
{
    /// <summary>A safetensors file: 8-byte little-endian header length, the header text, then the data.</summary>
    public static byte[] Safetensors(string header, byte[] data) => Safetensors(Encoding.UTF8.GetBytes(header), data);

    public static byte[] Safetensors(byte[] header, byte[] data)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    /// <summary>A valid file: <c>a</c> F32 [2, 3], <c>b</c> BF16 [4], <c>c</c> I64 [] (scalar), <c>d</c> U8 [0, 5], metadata.</summary>
    public static byte[] ValidSafetensors()
    {
        const string header = "{\"__metadata__\":{\"format\":\"pt\"}," +
                              "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}," +
                              "\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[24,32]}," +
                              "\"c\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[32,40]}," +
                              "\"d\":{\"dtype\":\"U8\",\"shape\":[0,5],\"data_offsets\":[40,40]}}";
        var data = new byte[40];
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), i + 0.5f);
        for (int i = 0; i < 4; i++) BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(24 + i * 2), 0x3f80); // 1.0 in bf16
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(32), 42);
        return Safetensors(header, data);
    }

    /// <summary>A torch.save zip: <c>PREFIX/data.pkl</c>, <c>PREFIX/byteorder</c> ("little"), one
    /// <c>PREFIX/data/KEY</c> record per storage, and any extra records.</summary>
    public static byte[] Pth(byte[] pickle, IEnumerable<(string Key, byte[] Data)> storages, string prefix = "archive",
        CompressionLevel level = CompressionLevel.NoCompression, string? byteorder = "little", IEnumerable<(string Name, byte[] Data)>? extra = null)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, byte[] data)
            {
                var entry = zip.CreateEntry(name, level);
                using var s = entry.Open();
                s.Write(data);
            }
            Add($"{prefix}/data.pkl", pickle);
            if (byteorder is not null) Add($"{prefix}/byteorder", Encoding.ASCII.GetBytes(byteorder));
            foreach (var (key, data) in storages) Add($"{prefix}/data/{key}", data);
            foreach (var (name, data) in extra ?? []) Add(name, data);
        }
        return buffer.ToArray();
    }

    /// <summary>The pickle of a valid state dict <c>{"w": F32 [2, 3], "inner": {"b": F32 [3]}, "n": F32 [2] (a strided view)}</c>.</summary>
    public static byte[] ValidPthPickle()
    {
        var p = new PickleWriter().Proto().Op('}').Mark();
        p.Str("w").Tensor("0", "FloatStorage", 6, 0, [2, 3], [3, 1]);
        p.Str("inner").Op('}').Str("b").Tensor("1", "FloatStorage", 3, 0, [3], [1]).Op('s');
        p.Str("n").Tensor("0", "FloatStorage", 6, 1, [2], [3]); // column 1 of w: a strided view
        return p.Op('u').Stop().ToArray();
    }

    /// <summary>A valid checkpoint with the <see cref="ValidPthPickle"/> state dict.</summary>
    public static byte[] ValidPth() => Pth(ValidPthPickle(), [("0", Floats(6)), ("1", Floats(3))]);

    /// <summary><paramref name="n"/> float32 values 0.5, 1.5, … as bytes.</summary>
    public static byte[] Floats(int n)
    {
        var bytes = new byte[n * 4];
        for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), i + 0.5f);
        return bytes;
    }

    /// <summary>A pickle whose top level is a dict holding <paramref name="body"/>'s pushes as items (key, value pairs).</summary>
    public static byte[] DictPickle(Action<PickleWriter> body)
    {
        var p = new PickleWriter().Proto().Op('}').Mark();
        body(p);
        return p.Op('u').Stop().ToArray();
    }
}
