using System.Buffers.Binary;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Jano.Acceleration.JanoMethod;

namespace Jano.Tests.Analyzer;

/// <summary>
/// One analyzer fixture written by scripts/fixtures/make_analyzer_fixtures.py from the authors' code
/// (a minimal safetensors reader: 8-byte little-endian header length, JSON header, raw little-endian data).
/// </summary>
internal sealed class AnalyzerFixture
{
    public static readonly string[] Names =
    [
        "image_n7_t1_b144", "video_n7_t8_b244", "padded_n7_t5_b235", "even_n6_t4_b244", "ring_n7_t1_b144",
    ];

    private readonly Dictionary<string, (string Dtype, long[] Shape, long Begin, long End)> _entries = new();
    private readonly byte[] _bytes;
    private readonly long _dataStart;

    private AnalyzerFixture(byte[] bytes)
    {
        _bytes = bytes;
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(0, 8));
        _dataStart = 8 + headerLength;
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        foreach (var prop in doc.RootElement.EnumerateObject())
        {
            if (prop.Name == "__metadata__")
            {
                foreach (var m in prop.Value.EnumerateObject()) Metadata[m.Name] = m.Value.GetString()!;
                continue;
            }
            var shape = prop.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var offsets = prop.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            _entries[prop.Name] = (prop.Value.GetProperty("dtype").GetString()!, shape, offsets[0], offsets[1]);
        }
    }

    public Dictionary<string, string> Metadata { get; } = new();

    public static string Directory
    {
        get
        {
            var root = typeof(AnalyzerFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "RepoRoot").Value!;
            return Path.Combine(root, "tests", "fixtures", "analyzer");
        }
    }

    public static AnalyzerFixture Load(string name) =>
        new(File.ReadAllBytes(Path.Combine(Directory, name + ".safetensors")));

    public long[] Shape(string name) => _entries[name].Shape;

    public float[] F32(string name) => Read(name, "F32", 4, s => BinaryPrimitives.ReadSingleLittleEndian(s));

    public double[] F64(string name) => Read(name, "F64", 8, s => BinaryPrimitives.ReadDoubleLittleEndian(s));

    public int[] I32(string name) => Read(name, "I32", 4, s => BinaryPrimitives.ReadInt32LittleEndian(s));

    public (int T, int H, int W) Triple(string key)
    {
        var p = Metadata[key].Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return (p[0], p[1], p[2]);
    }

    public double Number(string key) => double.Parse(Metadata[key], CultureInfo.InvariantCulture);

    public AnalyzerSettings Settings() => new(
        Triple("block_size"),
        TWeight: Number("t_weight"), DStrength: Number("d_strength"), DDistance: Number("d_distance"),
        Enhance: Metadata["enhance"] == "true",
        StaticThresh: Number("static_thresh"), MediumThresh: Number("medium_thresh"));

    private delegate T Reader<T>(ReadOnlySpan<byte> span);

    private T[] Read<T>(string name, string dtype, int size, Reader<T> read)
    {
        var (dt, _, begin, end) = _entries[name];
        if (dt != dtype) throw new InvalidDataException($"{name} is {dt}, not {dtype}");
        var result = new T[(end - begin) / size];
        for (int i = 0; i < result.Length; i++)
            result[i] = read(_bytes.AsSpan((int)(_dataStart + begin + (long)i * size), size));
        return result;
    }
}
