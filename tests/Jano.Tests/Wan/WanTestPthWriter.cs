using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using static TorchSharp.torch;

namespace Jano.Tests.Wan;

/// <summary>Writes a float32 state_dict in torch.save's zip layout (<c>archive/data.pkl</c> with
/// <c>_rebuild_tensor_v2</c> over persistent storages, one <c>archive/data/KEY</c> record each) for test checkpoints.</summary>
internal static class WanTestPthWriter
{
    public static void Write(string path, IEnumerable<(string Name, Tensor Value)> tensors)
    {
        var list = tensors.ToList();
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
            var (name, value) = list[i];
            Str(name);
            Global("torch._utils", "_rebuild_tensor_v2");
            Op((byte)'(');
            Op((byte)'('); Str("storage"); Global("torch", "FloatStorage"); Str(i.ToString()); Str("cpu"); Int(value.numel()); Op((byte)'t');
            Op((byte)'Q');
            Int(0);
            Op((byte)'('); foreach (var d in value.shape) Int(d); Op((byte)'t');
            var strides = new long[value.shape.Length];
            long acc = 1;
            for (int d = strides.Length - 1; d >= 0; d--) { strides[d] = acc; acc *= value.shape[d]; }
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
            using var cpu = list[i].Value.to(ScalarType.Float32, CPU).contiguous();
            var data = cpu.data<float>().ToArray();
            var bytes = new byte[data.Length * 4];
            Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
            var record = zip.CreateEntry($"archive/data/{i}", CompressionLevel.NoCompression);
            using var rs = record.Open();
            rs.Write(bytes);
        }
    }
}
