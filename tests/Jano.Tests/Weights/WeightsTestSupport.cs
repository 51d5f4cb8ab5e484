using System.Buffers.Binary;
using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Tests.Weights;

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
internal sealed class WeightsTempDir : IDisposable
{
    public WeightsTempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "jano-weights-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string[] Names() => Directory.GetFiles(Path).Select(System.IO.Path.GetFileName).ToArray()!;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>A small module: two Linear layers and one buffer. state_dict keys, in order: fc1.weight, fc1.bias, fc2.weight, fc2.bias, scale.</summary>
internal sealed class WeightsTinyNet : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    public WeightsTinyNet(long seed) : base("tiny")
    {
        torch.manual_seed(seed);
        fc1 = nn.Linear(4, 3);
        fc2 = nn.Linear(3, 2);
        register_buffer("scale", torch.rand(2));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => fc2.forward(fc1.forward(input)) * get_buffer("scale")!;
}

internal static class WeightsBytes
{
    /// <summary>The raw bytes of a tensor (contiguous CPU copy).</summary>
    public static byte[] Of(Tensor t)
    {
        using var c = t.detach().cpu().contiguous();
        return c.numel() == 0 ? [] : c.bytes.ToArray();
    }

    /// <summary>A copy of every state_dict tensor's bytes, by key.</summary>
    public static Dictionary<string, byte[]> Snapshot(nn.Module module) =>
        module.state_dict().ToDictionary(kv => kv.Key, kv => Of(kv.Value));

    /// <summary>A safetensors file image: 8-byte LE <paramref name="headerLength"/> (default: the header's length),
    /// the header as UTF-8, then <paramref name="data"/>.</summary>
    public static byte[] File(string header, byte[] data, ulong? headerLength = null)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength ?? (ulong)h.Length);
        h.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + h.Length);
        return bytes;
    }
}
