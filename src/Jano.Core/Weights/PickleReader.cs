using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Jano.Core.Weights;

/// <summary>
/// A restricted unpickler for PyTorch checkpoints: it interprets the pickle opcodes that <c>torch.save</c> emits
/// (protocols 2 to 5) and builds inert data only. No Python callable is ever invoked; a <c>GLOBAL</c> outside a small
/// allow-list (tensor rebuild functions, storage type markers, <c>collections.OrderedDict</c>) is refused as soon as it
/// is read.
/// </summary>
internal sealed class PickleReader
{
    /// <summary>A reference to an allowed global (module + name).</summary>
    internal sealed record Global(string Module, string Name)
    {
        public string FullName => $"{Module}.{Name}";
    }

    /// <summary>A persistent storage reference: <c>('storage', type, key, location, numel)</c>.</summary>
    internal sealed record StorageRef(string DType, int ElementSize, string Key, long Numel);

    /// <summary>A tensor rebuilt by <c>_rebuild_tensor_v2</c>: a view of a storage.</summary>
    internal sealed record TensorRef(StorageRef Storage, long Offset, long[] Shape, long[] Stride);

    /// <summary>An ordered dictionary (dict or OrderedDict).</summary>
    internal sealed class PDict
    {
        public List<KeyValuePair<object?, object?>> Items { get; } = [];
    }

    private sealed class Mark { public static readonly Mark Instance = new(); }

    private static readonly Dictionary<string, (string DType, int Size)> StorageTypes = new(StringComparer.Ordinal)
    {
        ["torch.FloatStorage"] = ("F32", 4),
        ["torch.HalfStorage"] = ("F16", 2),
        ["torch.BFloat16Storage"] = ("BF16", 2),
        ["torch.DoubleStorage"] = ("F64", 8),
        ["torch.LongStorage"] = ("I64", 8),
        ["torch.IntStorage"] = ("I32", 4),
        ["torch.ShortStorage"] = ("I16", 2),
        ["torch.CharStorage"] = ("I8", 1),
        ["torch.ByteStorage"] = ("U8", 1),
        ["torch.BoolStorage"] = ("BOOL", 1),
    };

    private static readonly HashSet<string> Callables = new(StringComparer.Ordinal)
    {
        "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter", "collections.OrderedDict",
    };

    private readonly Stream _input;
    private readonly string _path;
    private readonly List<object?> _stack = [];
    private readonly Dictionary<long, object?> _memo = [];

    private PickleReader(Stream input, string path)
    {
        _input = input;
        _path = path;
    }

    /// <summary>Unpickles one object from <paramref name="input"/>.</summary>
    /// <exception cref="WeightFileException">An unsupported opcode, a refused global, or a malformed stream.</exception>
    public static object? Load(Stream input, string path) => new PickleReader(input, path).Run();

    private WeightFileException Fail(string problem) => new($"{_path}: {problem}");

    private object? Run()
    {
        while (true)
        {
            int op = _input.ReadByte();
            if (op < 0) throw Fail("pickle ended before STOP");
            switch (op)
            {
                case 0x80: ReadByte(); break; // PROTO
                case 0x95: ReadBytes(8); break; // FRAME
                case (byte)'.': // STOP
                    return Pop();
                case (byte)'}': Push(new PDict()); break; // EMPTY_DICT
                case (byte)']': Push(new List<object?>()); break; // EMPTY_LIST
                case (byte)')': Push(Array.Empty<object?>()); break; // EMPTY_TUPLE
                case (byte)'(': Push(Mark.Instance); break; // MARK
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'K': Push((long)ReadByte()); break; // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break; // BININT2
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break; // BININT
                case 0x8a: Push(ReadLong(ReadByte())); break; // LONG1
                case 0x8b: Push(ReadLong(checked((int)BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))))); break; // LONG4
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break; // BINFLOAT
                case (byte)'X': Push(ReadUtf8(checked((int)BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))))); break; // BINUNICODE
                case 0x8c: Push(ReadUtf8(ReadByte())); break; // SHORT_BINUNICODE
                case (byte)'U': Push(Encoding.Latin1.GetString(ReadBytes(ReadByte()))); break; // SHORT_BINSTRING
                case (byte)'T': Push(Encoding.Latin1.GetString(ReadBytes(checked((int)BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))))); break;
                case (byte)'C': Push(ReadBytes(ReadByte())); break; // SHORT_BINBYTES
                case (byte)'B': Push(ReadBytes(checked((int)BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))))); break; // BINBYTES
                case (byte)'q': _memo[ReadByte()] = Peek(); break; // BINPUT
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))] = Peek(); break; // LONG_BINPUT
                case 0x94: _memo[_memo.Count] = Peek(); break; // MEMOIZE
                case (byte)'h': Push(Memo(ReadByte())); break; // BINGET
                case (byte)'j': Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))); break; // LONG_BINGET
                case (byte)'t': Push(PopMark().ToArray()); break; // TUPLE
                case 0x85: Push(new[] { Pop() }); break; // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; } // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; } // TUPLE3
                case (byte)'l': Push(PopMark()); break; // LIST
                case (byte)'d': // DICT
                {
                    var items = PopMark();
                    var dict = new PDict();
                    for (int i = 0; i + 1 < items.Count; i += 2) dict.Items.Add(new(items[i], items[i + 1]));
                    Push(dict);
                    break;
                }
                case (byte)'a': { var v = Pop(); AsList(Peek()).Add(v); break; } // APPEND
                case (byte)'e': { var items = PopMark(); AsList(Peek()).AddRange(items); break; } // APPENDS
                case (byte)'s': { var v = Pop(); var k = Pop(); AsDict(Peek()).Items.Add(new(k, v)); break; } // SETITEM
                case (byte)'u': // SETITEMS
                {
                    var items = PopMark();
                    var dict = AsDict(Peek());
                    for (int i = 0; i + 1 < items.Count; i += 2) dict.Items.Add(new(items[i], items[i + 1]));
                    break;
                }
                case (byte)'c': Push(ResolveGlobal(ReadLine(), ReadLine())); break; // GLOBAL
                case 0x93: { var name = Pop() as string; var module = Pop() as string; Push(ResolveGlobal(module ?? "?", name ?? "?")); break; } // STACK_GLOBAL
                case (byte)'Q': Push(PersistentLoad(Pop())); break; // BINPERSID
                case (byte)'R': { var args = Pop(); var fn = Pop(); Push(Reduce(fn, args)); break; } // REDUCE
                case (byte)'b': Pop(); break; // BUILD: the state of an allowed object (an OrderedDict's _metadata) is dropped
                default:
                    throw Fail($"unsupported pickle opcode 0x{op:x2} at byte {_input.Position - 1}");
            }
        }
    }

    private Global ResolveGlobal(string module, string name)
    {
        string full = $"{module}.{name}";
        if (Callables.Contains(full) || StorageTypes.ContainsKey(full)) return new Global(module, name);
        throw Fail($"refusing pickle global '{SafetensorsFile.Quote(full).Trim('\'')}'");
    }

    private StorageRef PersistentLoad(object? pid)
    {
        if (pid is not object?[] t || t.Length != 5 || t[0] as string != "storage" || t[1] is not Global g
            || t[2] is not string key || t[4] is not long numel)
            throw Fail("unsupported persistent id (expected ('storage', type, key, location, numel))");
        if (!StorageTypes.TryGetValue(g.FullName, out var dt)) throw Fail($"'{g.FullName}' is not a storage type");
        return new StorageRef(dt.DType, dt.Size, key, numel);
    }

    private object? Reduce(object? fn, object? args)
    {
        if (fn is not Global g || args is not object?[] a) throw Fail("REDUCE on something other than an allowed global");
        switch (g.FullName)
        {
            case "collections.OrderedDict":
                return new PDict();
            case "torch._utils._rebuild_parameter":
                if (a.Length < 1 || a[0] is not TensorRef) throw Fail("_rebuild_parameter without a tensor");
                return a[0];
            case "torch._utils._rebuild_tensor_v2":
                if (a.Length < 4 || a[0] is not StorageRef s || a[1] is not long offset || a[2] is not object?[] size || a[3] is not object?[] stride
                    || size.Length != stride.Length || size.Any(x => x is not long) || stride.Any(x => x is not long))
                    throw Fail("malformed _rebuild_tensor_v2 arguments");
                return new TensorRef(s, offset, size.Cast<long>().ToArray(), stride.Cast<long>().ToArray());
            default:
                throw Fail($"'{g.FullName}' cannot be called");
        }
    }

    private void Push(object? o) => _stack.Add(o);

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw Fail("pickle stack underflow");

    private object? Pop()
    {
        var o = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        if (o is Mark) throw Fail("unexpected MARK on the pickle stack");
        return o;
    }

    private List<object?> PopMark()
    {
        int i = _stack.FindLastIndex(o => o is Mark);
        if (i < 0) throw Fail("pickle MARK missing");
        var items = _stack.GetRange(i + 1, _stack.Count - i - 1);
        _stack.RemoveRange(i, _stack.Count - i);
        return items;
    }

    private object? Memo(long key) => _memo.TryGetValue(key, out var v) ? v : throw Fail($"pickle memo key {key} missing");

    private List<object?> AsList(object? o) => o as List<object?> ?? throw Fail("APPEND to something other than a list");

    private PDict AsDict(object? o) => o as PDict ?? throw Fail("SETITEM on something other than a dict");

    private int ReadByte()
    {
        int b = _input.ReadByte();
        return b >= 0 ? b : throw Fail("pickle ended early");
    }

    private byte[] ReadBytes(int n)
    {
        if (n > 1 << 26) throw Fail($"pickle item of {n} bytes is too large");
        var buffer = new byte[n];
        try
        {
            _input.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw Fail("pickle ended early");
        }
        return buffer;
    }

    private string ReadUtf8(int n) => Encoding.UTF8.GetString(ReadBytes(n));

    private string ReadLine()
    {
        var sb = new StringBuilder();
        while (true)
        {
            int b = ReadByte();
            if (b == '\n') return sb.ToString();
            if (sb.Length > 256) throw Fail("pickle GLOBAL name too long");
            sb.Append((char)b);
        }
    }

    private long ReadLong(int n)
    {
        if (n == 0) return 0;
        var value = new BigInteger(ReadBytes(n), isUnsigned: false, isBigEndian: false);
        if (value < long.MinValue || value > long.MaxValue) throw Fail("pickle integer out of range");
        return (long)value;
    }
}
