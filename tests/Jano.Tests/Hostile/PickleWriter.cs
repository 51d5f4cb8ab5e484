using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Jano.Tests.Hostile;

/// <summary>Writes pickle opcodes by hand (protocol 2 as <c>torch.save</c> emits them), so tests can build valid
/// state dicts and every kind of malformed or hostile pickle without Python.</summary>
internal sealed class PickleWriter
{
    private readonly System.Buffers.ArrayBufferWriter<byte> _s = new();
    private readonly Dictionary<string, uint> _constants = new(StringComparer.Ordinal);
    private uint _nextConstant = 1u << 30;

    /// <summary>Memoize repeated globals and constant strings the way torch.save does (BINPUT once, BINGET after).</summary>
    public bool MemoizeConstants { get; init; }

    public byte[] ToArray() => _s.WrittenSpan.ToArray();

    public long Length => _s.WrittenCount;

    public PickleWriter Op(byte b)
    {
        _s.Write([b]);
        return this;
    }

    public PickleWriter Op(char c) => Op((byte)c);

    public PickleWriter Raw(ReadOnlySpan<byte> bytes)
    {
        _s.Write(bytes);
        return this;
    }

    public PickleWriter Proto() => Op(0x80).Op(2);

    public PickleWriter Stop() => Op('.');

    public PickleWriter Mark() => Op('(');

    public PickleWriter Str(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        Op('X');
        Span<byte> n = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(n, (uint)bytes.Length);
        return Raw(n).Raw(bytes);
    }

    /// <summary>BININT (fits in int32) or LONG1 with 8 bytes.</summary>
    public PickleWriter Int(long v)
    {
        Span<byte> n = stackalloc byte[8];
        if (v is >= int.MinValue and <= int.MaxValue)
        {
            BinaryPrimitives.WriteInt32LittleEndian(n, (int)v);
            return Op('J').Raw(n[..4]);
        }
        BinaryPrimitives.WriteInt64LittleEndian(n, v);
        return Op(0x8a).Op(8).Raw(n);
    }

    public PickleWriter Global(string module, string name) => Op('c').Raw(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));

    public PickleWriter Put(uint key)
    {
        Span<byte> n = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(n, key);
        return Op('r').Raw(n);
    }

    public PickleWriter Get(uint key)
    {
        Span<byte> n = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(n, key);
        return Op('j').Raw(n);
    }

    private PickleWriter Constant(string id, Action<PickleWriter> write)
    {
        if (!MemoizeConstants)
        {
            write(this);
            return this;
        }
        if (_constants.TryGetValue(id, out var key)) return Get(key);
        write(this);
        _constants[id] = _nextConstant;
        return Put(_nextConstant++);
    }

    /// <summary>Pushes a tensor the way torch.save does: <c>_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())</c>.</summary>
    public PickleWriter Tensor(string storageKey, string storageType, long numel, long offset, long[] shape, long[] stride)
    {
        Constant("rebuild", p => p.Global("torch._utils", "_rebuild_tensor_v2"));
        Mark();
        Mark().Constant("storage", p => p.Str("storage")).Constant(storageType, p => p.Global("torch", storageType)).Str(storageKey)
            .Constant("cpu", p => p.Str("cpu")).Int(numel).Op('t');
        Op('Q');
        Int(offset);
        Mark();
        foreach (var d in shape) Int(d);
        Op('t');
        Mark();
        foreach (var d in stride) Int(d);
        Op('t');
        Op(0x89);
        Constant("OrderedDict", p => p.Global("collections", "OrderedDict")).Op(')').Op('R');
        Op('t');
        return Op('R');
    }

    /// <summary>Contiguous strides of <paramref name="shape"/>.</summary>
    public static long[] Strides(long[] shape)
    {
        var strides = new long[shape.Length];
        long acc = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = acc;
            acc *= Math.Max(1, shape[d]);
        }
        return strides;
    }
}
