using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using static TorchSharp.torch;

namespace Jano.Tests.Wan;

/// <summary>Writes a float32 (or bfloat16) state_dict in torch.save's zip layout (<c>archive/data.pkl</c> with
/// <c>_rebuild_tensor_v2</c> over persistent storages, one <c>archive/data/KEY</c> record each) for test checkpoints.</summary>
internal static class WanTestPthWriter
{
    public static void Write(string path, IEnumerable<(string Name, Tensor Value)> tensors)
    {
        var list = tensors.ToList();
        WriteStreaming(path, list.Select(t => (t.Name, t.Value.shape)).ToList(), ScalarType.Float32, i => list[i].Value.alias());
    }

    /// <summary>Writes tensors of the given names and shapes in <paramref name="dtype"/> (Float32 or BFloat16), asking
    /// <paramref name="make"/> for tensor i only when its storage record is written (so a checkpoint larger than memory
    /// can be produced); the tensor is converted to <paramref name="dtype"/> and disposed after writing.</summary>
    public static void WriteStreaming(string path, IReadOnlyList<(string Name, long[] Shape)> list, ScalarType dtype, Func<int, Tensor> make)
    {
        string storageType = dtype switch
        {
            ScalarType.Float32 => "FloatStorage",
            ScalarType.BFloat16 => "BFloat16Storage",
            _ => throw new ArgumentException($"unsupported dtype {dtype}"),
        };
        var pkl = new MemoryStream();
        void Op(byte b) => pkl.WriteByte(b);
        void Str(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            Op((byte)'X');
            Span<byte> n = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(n, (uint)bytes.Length);
            pkl.Write(n);
            pkl.Write(bytes);
        }
        void Int(long v)
        {
            Op((byte)'J');
            Span<byte> n = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(n, checked((int)v));
            pkl.Write(n);
        }
        void Global(string module, string name) { Op((byte)'c'); pkl.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n")); }

        Op(0x80); Op(2); Op((byte)'}'); Op((byte)'(');
        for (int i = 0; i < list.Count; i++)
        {
            var (name, shape) = list[i];
            long numel = shape.Aggregate(1L, (a, b) => a * b);
            Str(name);
            Global("torch._utils", "_rebuild_tensor_v2");
            Op((byte)'(');
            Op((byte)'('); Str("storage"); Global("torch", storageType); Str(i.ToString(CultureInfo.InvariantCulture)); Str("cpu"); Int(numel); Op((byte)'t');
            Op((byte)'Q');
            Int(0);
            Op((byte)'('); foreach (var d in shape) Int(d); Op((byte)'t');
            var strides = new long[shape.Length];
            long acc = 1;
            for (int d = strides.Length - 1; d >= 0; d--) { strides[d] = acc; acc *= shape[d]; }
            Op((byte)'('); foreach (var s in strides) Int(s); Op((byte)'t');
            Op(0x89);
            Global("collections", "OrderedDict"); Op((byte)')'); Op((byte)'R');
            Op((byte)'t');
            Op((byte)'R');
        }
        Op((byte)'u'); Op((byte)'.');

        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        var entry = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression);
        using (var s = entry.Open()) s.Write(pkl.ToArray());
        for (int i = 0; i < list.Count; i++)
        {
            using var made = make(i);
            using var cpu = made.to(dtype, CPU).contiguous();
            var record = zip.CreateEntry($"archive/data/{i}", CompressionLevel.NoCompression);
            using var rs = record.Open();
            using var flat = cpu.view(-1);
            long chunk = (256L << 20) / cpu.element_size();
            for (long start = 0; start < flat.shape[0]; start += chunk)
            {
                using var part = flat.narrow(0, start, Math.Min(chunk, flat.shape[0] - start));
                rs.Write(part.bytes);
            }
        }
    }
}
