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
            try
            {
                zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
            }
            catch (InvalidDataException e)
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
                using var r = new StreamReader(byteOrder.Open());
                string order = r.ReadToEnd().Trim();
                if (order != "little") throw new WeightFileException($"{path}: byteorder '{order}' is not supported");
            }
            object? root;
            try
            {
                using var pickle = new BufferedStream(pkl[0].Open(), 1 << 16);
                root = PickleReader.Load(new PositionStream(pickle), path);
            }
            catch (InvalidDataException e)
            {
                throw new WeightFileException($"{path}: corrupt data.pkl record: {e.Message}", e);
            }
            var tensors = new List<(TensorEntry, PickleReader.TensorRef)>();
            var top = Unwrap(root);
            Flatten(path, top, "", tensors);
            if (top is PickleReader.TensorRef single) tensors.Add((MakeEntry(path, "", single), single));
            var file = new PthFile(path, zip, prefix, tensors);
            foreach (var (entry, tref) in tensors) file.CheckStorage(entry, tref);
            return file;
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
        long count = contiguous ? entry.NumberOfElements : Extent(tref);
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
            catch (InvalidDataException e)
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
        long bytes = tref.Storage.Numel * tref.Storage.ElementSize;
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

    private static object? Unwrap(object? root)
    {
        while (root is PickleReader.PDict d && !d.Items.Any(i => i.Value is PickleReader.TensorRef))
        {
            var holders = d.Items.Where(i => i.Value is PickleReader.PDict sub && HoldsTensor(sub)).ToList();
            if (holders.Count != 1) break;
            root = holders[0].Value;
        }
        return root;
    }

    private static bool HoldsTensor(object? o) => o switch
    {
        PickleReader.TensorRef => true,
        PickleReader.PDict d => d.Items.Any(i => HoldsTensor(i.Value)),
        _ => false,
    };

    private static void Flatten(string path, object? node, string prefix, List<(TensorEntry, PickleReader.TensorRef)> into)
    {
        if (node is not PickleReader.PDict d) return;
        foreach (var (key, value) in d.Items)
        {
            string name = prefix + (key switch { string s => s, long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture), _ => null });
            if (key is not string and not long) continue;
            if (value is PickleReader.TensorRef t)
            {
                if (into.Any(e => e.Item1.Name == name))
                    throw new WeightFileException($"{path}: tensor name {SafetensorsFile.Quote(name)} occurs twice");
                into.Add((MakeEntry(path, name, t), t));
            }
            else if (value is PickleReader.PDict)
                Flatten(path, value, name + ".", into);
        }
    }

    private static TensorEntry MakeEntry(string path, string name, PickleReader.TensorRef t)
    {
        if (t.Offset < 0 || t.Stride.Any(s => s < 0) || t.Shape.Any(s => s < 0))
            throw new WeightFileException($"{path}: tensor {SafetensorsFile.Quote(name)} has a negative offset, size or stride");
        long elements = IsContiguous(t.Shape, t.Stride) ? t.Shape.Aggregate(1L, (a, b) => checked(a * b)) : Extent(t);
        long begin = checked(t.Offset * t.Storage.ElementSize);
        return new TensorEntry(name, t.Storage.DType, t.Shape, begin, checked(begin + elements * t.Storage.ElementSize));
    }

    /// <summary>Elements of storage a strided view spans, from its offset.</summary>
    private static long Extent(PickleReader.TensorRef t)
    {
        if (t.Shape.Any(s => s == 0)) return 0;
        long last = 0;
        for (int i = 0; i < t.Shape.Length; i++) last = checked(last + (t.Shape[i] - 1) * t.Stride[i]);
        return last + 1;
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

    /// <summary>Wraps a non-seekable stream so the unpickler can report byte positions.</summary>
    private sealed class PositionStream(Stream inner) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            _position += n;
            return n;
        }
        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            _position += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
