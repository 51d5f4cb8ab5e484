using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Core.Weights;

/// <summary>
/// An open PyTorch checkpoint in the zip format of <c>torch.save</c> (<c>NAME/data.pkl</c> plus one
/// <c>NAME/data/KEY</c> record per storage). The pickle is read by a restricted unpickler that only rebuilds tensors
/// (<c>torch._utils._rebuild_tensor_v2</c>, <c>_rebuild_parameter</c>, storage type markers,
/// <c>collections.OrderedDict</c>) and refuses any other global with a one-line <see cref="WeightFileException"/>;
/// nothing in the file is ever executed. Tensors are then read one at a time, each streaming only its own bytes.
/// </summary>
/// <remarks>
/// Tensor names are the dotted paths of tensors in the pickled dicts (<c>{"a": {"b": t}}</c> gives <c>a.b</c>);
/// while the top level holds no tensor and exactly one dict that does (e.g. <c>{"state_dict": …, "epoch": 3}</c>),
/// that dict is used as the top level. Non-tensor values are ignored. Not safe for concurrent reads.
/// </remarks>
public sealed class PthFile : ITensorFile
{
    private readonly ZipArchive _zip;
    private readonly string _prefix;
    private readonly Dictionary<string, (TensorEntry Entry, PickleReader.TensorRef Ref)> _byName;

    private PthFile(string path, ZipArchive zip, string prefix, List<(TensorEntry Entry, PickleReader.TensorRef Ref)> tensors)
    {
        Path = path;
        _zip = zip;
        _prefix = prefix;
        Entries = tensors.Select(t => t.Entry).ToList();
        _byName = tensors.ToDictionary(t => t.Entry.Name, StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public string Path { get; }

    /// <inheritdoc/>
    public IReadOnlyList<TensorEntry> Entries { get; }

    /// <summary>The entry named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The file has no tensor of that name.</exception>
    public TensorEntry this[string name] => Get(name).Entry;

    /// <inheritdoc/>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Opens <paramref name="path"/>, unpickles its (restricted) <c>data.pkl</c> and lists its tensors; no tensor
    /// data is read.</summary>
    /// <exception cref="WeightFileException">The file cannot be opened, is not a zip checkpoint, is truncated, or its
    /// pickle references a refused global; the one-line message names the file and the problem.</exception>
    public static PthFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("checkpoint data is little-endian; big-endian machines are not supported");
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WeightFileException($"{path}: cannot open: {e.Message}", e);
        }
        ZipArchive? zip = null;
        try
        {
            Span<byte> magic = stackalloc byte[4];
            int n = stream.Read(magic);
            stream.Position = 0;
            if (n < 4 || magic[0] != 'P' || magic[1] != 'K')
                throw new WeightFileException(n >= 2 && magic[0] == 0x80
                    ? $"{path}: legacy (non-zip) torch.save format is not supported; re-save it with a recent torch.save"
                    : $"{path}: not a PyTorch zip checkpoint");
            long declaredEntries = ZipEntryCount(stream);
            stream.Position = 0;
            if (declaredEntries > PickleLimits.MaxZipEntries)
                throw new WeightFileException($"{path}: the zip archive declares {declaredEntries.ToString(CultureInfo.InvariantCulture)} records, more than the limit of {PickleLimits.MaxZipEntries.ToString(CultureInfo.InvariantCulture)}");
            try
            {
                zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException)
            {
                throw new WeightFileException($"{path}: not a readable zip archive (truncated?): {e.Message}", e);
            }
            var pkl = zip.Entries.Where(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal)
                                             && e.FullName.Count(c => c == '/') <= 1).ToList();
            if (pkl.Count != 1)
                throw new WeightFileException($"{path}: expected one data.pkl record in the zip, found {pkl.Count}");
            string prefix = pkl[0].FullName[..^"data.pkl".Length];
            var byteOrder = zip.GetEntry(prefix + "byteorder");
            if (byteOrder is not null)
            {
                string order = ReadSmallRecord(path, byteOrder, 16).Trim();
                if (order != "little") throw new WeightFileException($"{path}: byteorder {ErrorText.Quote(order)} is not supported");
            }
            if (pkl[0].Length > PickleLimits.MaxPickleBytes)
                throw new WeightFileException($"{path}: data.pkl inflates to {pkl[0].Length.ToString(CultureInfo.InvariantCulture)} bytes, more than the limit of {PickleLimits.MaxPickleBytes.ToString(CultureInfo.InvariantCulture)}");
            object? root;
            try
            {
                using var pickle = new BufferedStream(pkl[0].Open(), 1 << 16);
                root = PickleReader.Load(new PositionStream(pickle, path, pkl[0].Length), path);
            }
            catch (InvalidDataException e)
            {
                throw new WeightFileException($"{path}: corrupt data.pkl record: {e.Message}", e);
            }
            var tensors = new List<(TensorEntry, PickleReader.TensorRef)>();
            var holds = root is PickleReader.PDict rootDict ? HoldsTensor(path, rootDict) : [];
            var top = Unwrap(root, holds);
            Flatten(path, top, holds, tensors);
            if (top is PickleReader.TensorRef single) tensors.Add((MakeEntry(path, "", single), single));
            var file = new PthFile(path, zip, prefix, tensors);
            foreach (var (entry, tref) in tensors) file.CheckStorage(entry, tref);
            return file;
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or IOException and not FileNotFoundException)
        {
            if (zip is not null) zip.Dispose();
            else stream.Dispose();
            throw new WeightFileException($"{path}: not a readable checkpoint: {e.Message}", e);
        }
        catch
        {
            if (zip is not null) zip.Dispose();
            else stream.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    /// <exception cref="KeyNotFoundException">No tensor of that name.</exception>
    /// <exception cref="WeightFileException">The storage record is corrupt or shorter than the tensor needs.</exception>
    public Tensor Read(string name)
    {
        var (entry, tref) = Get(name);
        var type = SafetensorsDType.ToScalarType(entry.DType);
        bool contiguous = IsContiguous(tref.Shape, tref.Stride);
        long count = contiguous ? entry.NumberOfElements : Extent(Path, entry.Name, tref);
        TensorMemory.Check(Path, entry.Name, (double)count * tref.Storage.ElementSize + (contiguous ? 0 : (double)entry.ByteLength));
        var buffer = torch.empty(count, type);
        try
        {
            try
            {
                using var stream = OpenStorage(tref.Storage);
                Skip(stream, entry.Begin, entry);
                TensorBytes.ForEachChunk(buffer, span =>
                {
                    try
                    {
                        stream.ReadExactly(span);
                    }
                    catch (EndOfStreamException e)
                    {
                        throw new WeightFileException($"{Path}: storage record of tensor {SafetensorsFile.Quote(entry.Name)} ended early", e);
                    }
                });
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException or IOException)
            {
                throw new WeightFileException($"{Path}: storage record of tensor {SafetensorsFile.Quote(entry.Name)} is corrupt: {e.Message}", e);
            }
            if (contiguous) return buffer.reshape(entry.Shape);
            using var view = buffer.as_strided(entry.Shape, tref.Stride);
            return view.contiguous();
        }
        finally
        {
            buffer.Dispose();
        }
    }

    /// <inheritdoc/>
    /// <exception cref="WeightFileException">The shapes differ, or the storage record is bad.</exception>
    public void ReadInto(string name, Tensor destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var entry = this[name];
        if (!entry.Shape.SequenceEqual(destination.shape))
            throw new WeightFileException(
                $"{Path}: tensor {SafetensorsFile.Quote(name)} has shape {SafetensorsFile.FormatShape(entry.Shape)} but the destination has shape {SafetensorsFile.FormatShape(destination.shape)}");
        using var source = Read(name);
        using var _ = torch.no_grad();
        destination.copy_(source);
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _zip.Dispose();

    private (TensorEntry Entry, PickleReader.TensorRef Ref) Get(string name) =>
        _byName.TryGetValue(name, out var e) ? e : throw new KeyNotFoundException($"{Path}: no tensor named {SafetensorsFile.Quote(name)}");

    private Stream OpenStorage(PickleReader.StorageRef storage)
    {
        var record = _zip.GetEntry($"{_prefix}data/{storage.Key}")
                     ?? throw new WeightFileException($"{Path}: storage record data/{storage.Key} is missing");
        return record.Open();
    }

    private void CheckStorage(TensorEntry entry, PickleReader.TensorRef tref)
    {
        var record = _zip.GetEntry($"{_prefix}data/{tref.Storage.Key}")
                     ?? throw new WeightFileException($"{Path}: storage record data/{tref.Storage.Key} of tensor {SafetensorsFile.Quote(entry.Name)} is missing");
        long bytes = Multiply(Path, entry.Name, tref.Storage.Numel, tref.Storage.ElementSize);
        if (record.Length != bytes)
            throw new WeightFileException($"{Path}: storage record data/{tref.Storage.Key} holds {record.Length} bytes, expected {bytes}");
        if (entry.End > bytes)
            throw new WeightFileException($"{Path}: tensor {SafetensorsFile.Quote(entry.Name)} extends past the end of its storage");
    }

    private static void Skip(Stream stream, long bytes, TensorEntry entry)
    {
        if (bytes == 0) return;
        if (stream.CanSeek)
        {
            stream.Seek(bytes, SeekOrigin.Current);
            return;
        }
        var scratch = new byte[(int)Math.Min(bytes, 1 << 20)];
        while (bytes > 0)
        {
            int n = stream.Read(scratch, 0, (int)Math.Min(bytes, scratch.Length));
            if (n == 0) throw new EndOfStreamException($"storage of {entry.Name} ended early");
            bytes -= n;
        }
    }

    // While the top level holds no tensor and exactly one dict that (at any depth) does, descend into it.
    private static object? Unwrap(object? root, Dictionary<PickleReader.PDict, bool> holds)
    {
        while (root is PickleReader.PDict d && !d.Items.Any(i => i.Value is PickleReader.TensorRef))
        {
            var holders = d.Items.Where(i => i.Value is PickleReader.PDict sub && holds[sub]).ToList();
            if (holders.Count != 1) break;
            root = holders[0].Value;
        }
        return root;
    }

    // For every dict reachable from root (through dict values only): whether a tensor sits below it. Iterative
    // post-order over the graph; each dict is expanded once (shared sub-dicts cost nothing extra); a cycle is refused.
    private static Dictionary<PickleReader.PDict, bool> HoldsTensor(string path, PickleReader.PDict root)
    {
        var result = new Dictionary<PickleReader.PDict, bool>(ReferenceEqualityComparer.Instance);
        var onPath = new HashSet<PickleReader.PDict>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(PickleReader.PDict Dict, int Next)>();
        stack.Push((root, 0));
        onPath.Add(root);
        while (stack.Count > 0)
        {
            var (dict, next) = stack.Pop();
            if (next < dict.Items.Count)
            {
                stack.Push((dict, next + 1));
                if (dict.Items[next].Value is PickleReader.PDict child && !result.ContainsKey(child))
                {
                    if (!onPath.Add(child)) throw new WeightFileException($"{path}: a dict in data.pkl contains itself (a reference cycle)");
                    if (stack.Count >= PickleLimits.MaxDepth)
                        throw new WeightFileException($"{path}: dicts in data.pkl are nested more than {PickleLimits.MaxDepth.ToString(CultureInfo.InvariantCulture)} deep");
                    stack.Push((child, 0));
                }
                continue;
            }
            onPath.Remove(dict);
            result[dict] = dict.Items.Any(i => i.Value is PickleReader.TensorRef || i.Value is PickleReader.PDict sub && result.GetValueOrDefault(sub));
        }
        return result;
    }

    // Lists every tensor under node with its dotted name (keys: strings, or integers written in decimal). Iterative
    // depth-first walk in file order that enters only dicts holding a tensor; bounded depth, visits, name length and
    // tensor count; cycles refused; a name seen twice is an error (hash set: linear in the number of tensors). A dict
    // shared under several names lists its tensors under each, but the names may outnumber the distinct tensors at
    // most PickleLimits.MaxAliasing times over, so sharing through the memo cannot make the listing exponential.
    private static void Flatten(string path, object? node, Dictionary<PickleReader.PDict, bool> holds, List<(TensorEntry, PickleReader.TensorRef)> into)
    {
        if (node is not PickleReader.PDict top) return;
        var names = new HashSet<string>(StringComparer.Ordinal);
        var distinct = new HashSet<PickleReader.TensorRef>(ReferenceEqualityComparer.Instance);
        var onPath = new HashSet<PickleReader.PDict>(ReferenceEqualityComparer.Instance) { top };
        var stack = new Stack<(PickleReader.PDict Dict, string Prefix, int Next)>();
        stack.Push((top, "", 0));
        long visits = 0;
        while (stack.Count > 0)
        {
            var (dict, prefix, next) = stack.Pop();
            if (next >= dict.Items.Count)
            {
                onPath.Remove(dict);
                continue;
            }
            stack.Push((dict, prefix, next + 1));
            if (++visits > PickleLimits.MaxVisits)
                throw new WeightFileException($"{path}: listing the tensors of data.pkl takes more than {PickleLimits.MaxVisits.ToString(CultureInfo.InvariantCulture)} steps (sub-dicts shared too often)");
            var (key, value) = dict.Items[next];
            string? part = key switch { string k => k, long l => l.ToString(CultureInfo.InvariantCulture), _ => null };
            if (part is null || value is not (PickleReader.TensorRef or PickleReader.PDict)) continue;
            if (prefix.Length + part.Length > PickleLimits.MaxNameLength)
                throw new WeightFileException($"{path}: a tensor name in data.pkl is longer than {PickleLimits.MaxNameLength.ToString(CultureInfo.InvariantCulture)} characters");
            string name = prefix + part;
            if (value is PickleReader.TensorRef t)
            {
                distinct.Add(t);
                if (names.Count >= (long)PickleLimits.MaxAliasing * distinct.Count + 1024)
                    throw new WeightFileException($"{path}: data.pkl names the same tensors more than {PickleLimits.MaxAliasing} times over (sub-dicts shared through the memo)");
                if (!names.Add(name))
                    throw new WeightFileException($"{path}: tensor name {SafetensorsFile.Quote(name)} occurs twice");
                if (into.Count >= PickleLimits.MaxTensors)
                    throw new WeightFileException($"{path}: data.pkl holds more than {PickleLimits.MaxTensors.ToString(CultureInfo.InvariantCulture)} tensors");
                into.Add((MakeEntry(path, name, t), t));
                continue;
            }
            var child = (PickleReader.PDict)value;
            if (!holds.GetValueOrDefault(child)) continue;
            if (!onPath.Add(child)) throw new WeightFileException($"{path}: dict {SafetensorsFile.Quote(name)} in data.pkl contains itself (a reference cycle)");
            if (stack.Count >= PickleLimits.MaxDepth)
                throw new WeightFileException($"{path}: dicts in data.pkl are nested more than {PickleLimits.MaxDepth.ToString(CultureInfo.InvariantCulture)} deep");
            stack.Push((child, name + ".", 0));
        }
    }

    private static TensorEntry MakeEntry(string path, string name, PickleReader.TensorRef t)
    {
        if (t.Offset < 0 || t.Stride.Any(s => s < 0) || t.Shape.Any(s => s < 0))
            throw new WeightFileException($"{path}: tensor {SafetensorsFile.Quote(name)} has a negative offset, size or stride");
        long elements = 1;
        if (IsContiguous(t.Shape, t.Stride))
            foreach (var d in t.Shape) elements = Multiply(path, name, elements, d);
        else
            elements = Extent(path, name, t);
        long begin = Multiply(path, name, t.Offset, t.Storage.ElementSize);
        long length = Multiply(path, name, elements, t.Storage.ElementSize);
        if (length > long.MaxValue - begin) throw TooLarge(path, name);
        return new TensorEntry(name, t.Storage.DType, t.Shape, begin, begin + length);
    }

    /// <summary>Elements of storage a strided view spans, from its offset (overflow-checked).</summary>
    private static long Extent(string path, string name, PickleReader.TensorRef t)
    {
        if (t.Shape.Any(s => s == 0)) return 0;
        long last = 0;
        for (int i = 0; i < t.Shape.Length; i++)
        {
            long step = Multiply(path, name, t.Shape[i] - 1, t.Stride[i]);
            if (step > long.MaxValue - 1 - last) throw TooLarge(path, name);
            last += step;
        }
        return last + 1;
    }

    private static long Multiply(string path, string name, long a, long b)
    {
        if (a < 0 || b < 0 || (a != 0 && b > long.MaxValue / a)) throw TooLarge(path, name);
        return a * b;
    }

    private static WeightFileException TooLarge(string path, string name) =>
        new($"{path}: tensor {SafetensorsFile.Quote(name)} has a size, stride or offset too large to address");

    // Reads at most maxBytes of a small record (byteorder, version) as UTF-8.
    private static string ReadSmallRecord(string path, ZipArchiveEntry entry, int maxBytes)
    {
        if (entry.Length > maxBytes)
            throw new WeightFileException($"{path}: record {ErrorText.Quote(entry.FullName)} is {entry.Length.ToString(CultureInfo.InvariantCulture)} bytes; at most {maxBytes.ToString(CultureInfo.InvariantCulture)} expected");
        using var stream = entry.Open();
        var buffer = new byte[maxBytes + 1];
        int n = 0, read;
        while (n < buffer.Length && (read = stream.Read(buffer, n, buffer.Length - n)) > 0) n += read;
        if (n > maxBytes) throw new WeightFileException($"{path}: record {ErrorText.Quote(entry.FullName)} inflates past its declared size");
        return System.Text.Encoding.UTF8.GetString(buffer, 0, n);
    }

    // The number of records the zip's end-of-central-directory record declares (zip64 aware); -1 when none is found
    // (the zip reader then reports the damage).
    private static long ZipEntryCount(FileStream stream)
    {
        long length = stream.Length;
        int tail = (int)Math.Min(length, 22 + 65535);
        var buffer = new byte[tail];
        stream.Position = length - tail;
        stream.ReadExactly(buffer);
        for (int i = tail - 22; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(i)) != 0x06054b50) continue;
            long count = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(i + 10));
            if (count != 0xFFFF || i < 20) return count;
            // zip64: the locator sits just before the end record and points at the zip64 end record.
            if (BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(i - 20)) != 0x07064b50) return count;
            long zip64 = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(i - 12)), long.MaxValue);
            if (zip64 < 0 || zip64 > length - 56) return count;
            var record = new byte[56];
            stream.Position = zip64;
            stream.ReadExactly(record);
            if (BinaryPrimitives.ReadUInt32LittleEndian(record) != 0x06064b50) return count;
            return (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(32)), long.MaxValue);
        }
        return -1;
    }

    private static bool IsContiguous(long[] shape, long[] stride)
    {
        long expected = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] != 1 && stride[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /// <summary>Wraps the inflating data.pkl stream: counts bytes (so the unpickler can report positions) and refuses
    /// to go past the record's declared size or <see cref="PickleLimits.MaxPickleBytes"/>.</summary>
    private sealed class PositionStream(Stream inner, string path, long declared) : Stream
    {
        private readonly long _limit = Math.Min(declared, PickleLimits.MaxPickleBytes);
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            _position += n;
            if (_position > _limit)
                throw new WeightFileException(_limit < declared
                    ? $"{path}: data.pkl inflates past the limit of {PickleLimits.MaxPickleBytes.ToString(CultureInfo.InvariantCulture)} bytes"
                    : $"{path}: data.pkl inflates past its declared size of {declared.ToString(CultureInfo.InvariantCulture)} bytes");
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
