using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Jano.Core.Weights;

/// <summary>
/// A restricted unpickler for PyTorch checkpoints: it interprets the pickle opcodes that <c>torch.save</c> emits
/// (protocols 2 to 5) and builds inert data only. No Python callable is ever invoked; a <c>GLOBAL</c> outside a small
/// allow-list (tensor rebuild functions, storage type markers, <c>collections.OrderedDict</c>) is refused as soon as it
/// is read. The reader is a flat loop (no recursion) and every resource it spends is bounded by <see cref="PickleLimits"/>:
/// stack, MARK nesting, memo, objects, container items, text bytes; the object graph it returns may share sub-objects
/// and even contain cycles, which <see cref="PthFile"/> walks iteratively with its own limits.
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
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private long _objects;
    private long _items;
    private long _textBytes;

    private PickleReader(Stream input, string path)
    {
        _input = input;
        _path = path;
    }

    /// <summary>Unpickles one object from <paramref name="input"/>.</summary>
    /// <exception cref="WeightFileException">An unsupported opcode, a refused global, a malformed stream, or a
    /// <see cref="PickleLimits"/> bound exceeded.</exception>
    public static object? Load(Stream input, string path) => new PickleReader(input, path).Run();

    private WeightFileException Fail(string problem) => new($"{_path}: {problem}");

    private WeightFileException Limit(string what, long limit) =>
        Fail($"pickle {what} exceeds the limit of {limit.ToString(CultureInfo.InvariantCulture)} (data.pkl is malformed or hostile)");

    private object? Run()
    {
        while (true)
        {
            int op = _input.ReadByte();
            if (op < 0) throw Fail("pickle ended before STOP");
            switch (op)
            {
                case 0x80: ReadByte(); break; // PROTO
                case 0x95: ReadBytes(8, count: false); break; // FRAME
                case (byte)'.': // STOP
                    return Pop();
                case (byte)'}': Push(New(new PDict())); break; // EMPTY_DICT
                case (byte)']': Push(New(new List<object?>())); break; // EMPTY_LIST
                case (byte)')': Push(Array.Empty<object?>()); break; // EMPTY_TUPLE
                case (byte)'(': // MARK
                    if (_marks.Count >= PickleLimits.MaxDepth) throw Limit("MARK nesting", PickleLimits.MaxDepth);
                    _marks.Add(_stack.Count);
                    break;
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'K': Push((long)ReadByte()); break; // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2, count: false))); break; // BININT2
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4, count: false))); break; // BININT
                case 0x8a: Push(ReadLong(ReadByte())); break; // LONG1
                case 0x8b: Push(ReadLong(ReadLength4())); break; // LONG4
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8, count: false))); break; // BINFLOAT
                case (byte)'X': Push(New(ReadUtf8(ReadLength4()))); break; // BINUNICODE
                case 0x8c: Push(New(ReadUtf8(ReadByte()))); break; // SHORT_BINUNICODE
                case (byte)'U': Push(New(Encoding.Latin1.GetString(ReadBytes(ReadByte())))); break; // SHORT_BINSTRING
                case (byte)'T': Push(New(Encoding.Latin1.GetString(ReadBytes(ReadLength4())))); break; // BINSTRING
                case (byte)'C': Push(New(ReadBytes(ReadByte()))); break; // SHORT_BINBYTES
                case (byte)'B': Push(New(ReadBytes(ReadLength4()))); break; // BINBYTES
                case (byte)'q': Memoize(ReadByte()); break; // BINPUT
                case (byte)'r': Memoize(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4, count: false))); break; // LONG_BINPUT
                case 0x94: Memoize(_memo.Count); break; // MEMOIZE
                case (byte)'h': Push(Memo(ReadByte())); break; // BINGET
                case (byte)'j': Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4, count: false)))); break; // LONG_BINGET
                case (byte)'t': Push(New(PopMark().ToArray())); break; // TUPLE
                case 0x85: Push(New(new[] { Pop() }, 1)); break; // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(New(new[] { a, b }, 2)); break; } // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(New(new[] { a, b, c }, 3)); break; } // TUPLE3
                case (byte)'l': Push(New(PopMark())); break; // LIST
                case (byte)'d': // DICT
                {
                    var items = PopMark();
                    var dict = New(new PDict());
                    AddPairs(dict, items);
                    Push(dict);
                    break;
                }
                case (byte)'a': { var v = Pop(); AddItems(1); AsList(Peek()).Add(v); break; } // APPEND
                case (byte)'e': { var items = PopMark(); AddItems(items.Count); AsList(Peek()).AddRange(items); break; } // APPENDS
                case (byte)'s': { var v = Pop(); var k = Pop(); AddItems(1); AsDict(Peek()).Items.Add(new(k, v)); break; } // SETITEM
                case (byte)'u': { var items = PopMark(); AddPairs(AsDict(Peek()), items); break; } // SETITEMS
                case (byte)'c': Push(ResolveGlobal(ReadLine(), ReadLine())); break; // GLOBAL
                case 0x93: { var name = Pop() as string; var module = Pop() as string; Push(ResolveGlobal(module ?? "?", name ?? "?")); break; } // STACK_GLOBAL
                case (byte)'Q': Push(PersistentLoad(Pop())); break; // BINPERSID
                case (byte)'R': { var args = Pop(); var fn = Pop(); Push(Reduce(fn, args)); break; } // REDUCE
                case (byte)'b': Pop(); break; // BUILD: the state of an allowed object (an OrderedDict's _metadata) is dropped
                default:
                    throw Fail($"unsupported pickle opcode 0x{op:x2} at byte {(_input.Position - 1).ToString(CultureInfo.InvariantCulture)}");
            }
        }
    }

    private T New<T>(T o, int items = 0)
    {
        if (++_objects > PickleLimits.MaxObjects) throw Limit("object count", PickleLimits.MaxObjects);
        if (items > 0) AddItems(items);
        return o;
    }

    private void AddItems(long n)
    {
        _items += n;
        if (_items > PickleLimits.MaxContainerItems) throw Limit("container item count", PickleLimits.MaxContainerItems);
    }

    private void AddPairs(PDict dict, List<object?> items)
    {
        if (items.Count % 2 != 0) throw Fail("pickle dict items come in an odd number");
        AddItems(items.Count / 2);
        for (int i = 0; i + 1 < items.Count; i += 2) dict.Items.Add(new(items[i], items[i + 1]));
    }

    private void Memoize(long key)
    {
        if (_memo.Count >= PickleLimits.MaxMemo && !_memo.ContainsKey(key)) throw Limit("memo size", PickleLimits.MaxMemo);
        _memo[key] = Peek();
    }

    private Global ResolveGlobal(string module, string name)
    {
        string full = $"{module}.{name}";
        if (Callables.Contains(full) || StorageTypes.ContainsKey(full)) return New(new Global(module, name));
        throw Fail($"refusing pickle global {ErrorText.Quote(full)}");
    }

    private StorageRef PersistentLoad(object? pid)
    {
        if (pid is not object?[] t || t.Length != 5 || t[0] as string != "storage" || t[1] is not Global g
            || t[2] is not string key || t[4] is not long numel)
            throw Fail("unsupported persistent id (expected ('storage', type, key, location, numel))");
        if (!StorageTypes.TryGetValue(g.FullName, out var dt)) throw Fail($"{ErrorText.Quote(g.FullName)} is not a storage type");
        if (numel < 0) throw Fail($"storage {ErrorText.Quote(key)} has a negative element count");
        return New(new StorageRef(dt.DType, dt.Size, key, numel));
    }

    private object? Reduce(object? fn, object? args)
    {
        if (fn is not Global g || args is not object?[] a) throw Fail("REDUCE on something other than an allowed global");
        switch (g.FullName)
        {
            case "collections.OrderedDict":
                return New(new PDict());
            case "torch._utils._rebuild_parameter":
                if (a.Length < 1 || a[0] is not TensorRef) throw Fail("_rebuild_parameter without a tensor");
                return a[0];
            case "torch._utils._rebuild_tensor_v2":
                if (a.Length < 4 || a[0] is not StorageRef s || a[1] is not long offset || a[2] is not object?[] size || a[3] is not object?[] stride
                    || size.Length != stride.Length || size.Any(x => x is not long) || stride.Any(x => x is not long))
                    throw Fail("malformed _rebuild_tensor_v2 arguments");
                if (size.Length > PickleLimits.MaxRank) throw Limit("tensor rank", PickleLimits.MaxRank);
                return New(new TensorRef(s, offset, size.Cast<long>().ToArray(), stride.Cast<long>().ToArray()), size.Length * 2);
            default:
                throw Fail($"{ErrorText.Quote(g.FullName)} cannot be called");
        }
    }

    private void Push(object? o)
    {
        if (_stack.Count >= PickleLimits.MaxStack) throw Limit("stack depth", PickleLimits.MaxStack);
        _stack.Add(o);
    }

    private int Floor => _marks.Count > 0 ? _marks[^1] : 0;

    private object? Peek() => _stack.Count > Floor ? _stack[^1] : throw Fail(_stack.Count > 0 ? "unexpected MARK on the pickle stack" : "pickle stack underflow");

    private object? Pop()
    {
        var o = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return o;
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw Fail("pickle MARK missing");
        int i = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(i, _stack.Count - i);
        _stack.RemoveRange(i, _stack.Count - i);
        return items;
    }

    private object? Memo(long key) => _memo.TryGetValue(key, out var v) ? v : throw Fail($"pickle memo key {key.ToString(CultureInfo.InvariantCulture)} missing");

    private List<object?> AsList(object? o) => o as List<object?> ?? throw Fail("APPEND to something other than a list");

    private PDict AsDict(object? o) => o as PDict ?? throw Fail("SETITEM on something other than a dict");

    private int ReadByte()
    {
        int b = _input.ReadByte();
        return b >= 0 ? b : throw Fail("pickle ended early");
    }

    // A 4-byte little-endian length, as a non-negative long (no overflow whatever its value).
    private long ReadLength4() => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4, count: false));

    private byte[] ReadBytes(long n, bool count = true)
    {
        if (n > PickleLimits.MaxItemBytes) throw Fail($"pickle item of {n.ToString(CultureInfo.InvariantCulture)} bytes is too large (at most {PickleLimits.MaxItemBytes.ToString(CultureInfo.InvariantCulture)})");
        if (count)
        {
            _textBytes += n;
            if (_textBytes > PickleLimits.MaxTextBytes) throw Limit("text and bytes payload", PickleLimits.MaxTextBytes);
        }
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

    private string ReadUtf8(long n)
    {
        var bytes = ReadBytes(n);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Fail("pickle string is not valid UTF-8");
        }
    }

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

    // LONG1/LONG4: a little-endian two's-complement integer; only values that fit in 64 bits are accepted.
    private long ReadLong(long n)
    {
        if (n == 0) return 0;
        if (n > 8) throw Fail($"pickle integer of {n.ToString(CultureInfo.InvariantCulture)} bytes is out of range (at most 8)");
        var bytes = ReadBytes(n, count: false);
        long value = (bytes[^1] & 0x80) != 0 ? -1L : 0L;
        for (int i = bytes.Length - 1; i >= 0; i--) value = (value << 8) | bytes[i];
        return value;
    }
}
