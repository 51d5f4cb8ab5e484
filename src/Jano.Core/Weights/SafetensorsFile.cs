using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Core.Weights;

/// <summary>
/// An open safetensors file: its header is read and fully validated by <see cref="Open"/>, and tensors are then
/// read one at a time, each streaming only its own bytes from disk.
/// </summary>
/// <remarks>
/// Layout: an unsigned 64-bit little-endian header length N, N bytes of UTF-8 JSON, then the data section.
/// The JSON object maps tensor names to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> (offsets relative
/// to the data section) and may hold a <c>"__metadata__"</c> object of string values.
/// Reads are positional, so one instance may be read from several threads at once.
/// </remarks>
public sealed class SafetensorsFile : ITensorFile
{
    /// <summary>Largest header accepted, in bytes.</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    private const string MetadataKey = "__metadata__";

    private readonly SafeFileHandle _handle;
    private readonly long _dataStart;
    private readonly Dictionary<string, TensorEntry> _byName;

    private SafetensorsFile(string path, SafeFileHandle handle, long dataStart, IReadOnlyDictionary<string, string> metadata,
        IReadOnlyList<TensorEntry> entries)
    {
        Path = path;
        _handle = handle;
        _dataStart = dataStart;
        Metadata = metadata;
        Entries = entries;
        _byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>The path the file was opened with.</summary>
    public string Path { get; }

    /// <summary>The header's <c>"__metadata__"</c> strings; empty when the header has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensors, in header order.</summary>
    public IReadOnlyList<TensorEntry> Entries { get; }

    /// <summary>The entry named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The file has no tensor of that name.</exception>
    public TensorEntry this[string name] =>
        _byName.TryGetValue(name, out var e)
            ? e
            : throw new KeyNotFoundException($"{Path}: no tensor named {Quote(name)}");

    /// <summary>Whether the file holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Opens <paramref name="path"/> and validates its whole header before any tensor is read.</summary>
    /// <exception cref="WeightFileException">The file cannot be opened or its header is malformed; the one-line message
    /// names the file and the problem.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; big-endian machines are not supported");
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WeightFileException($"{path}: cannot open: {e.Message}", e);
        }
        try
        {
            return ParseHeader(path, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads the tensor <paramref name="name"/> into a new CPU tensor of its stored dtype,
    /// streaming just its bytes from disk.</summary>
    /// <exception cref="KeyNotFoundException">No tensor of that name.</exception>
    /// <exception cref="WeightFileException">The file ended before the tensor's data.</exception>
    public Tensor Read(string name)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        var entry = this[name];
        var tensor = torch.empty(entry.Shape, SafetensorsDType.ToScalarType(entry.DType));
        try
        {
            long position = _dataStart + entry.Begin;
            TensorBytes.ForEachChunk(tensor, span =>
            {
                ReadExactly(entry, span, position);
                position += span.Length;
            });
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>Reads the tensor <paramref name="name"/> into <paramref name="destination"/> with <c>copy_</c> under
    /// <c>no_grad</c>, converting to the destination's dtype and device. Only one tensor's worth of memory is used
    /// besides the destination.</summary>
    /// <exception cref="KeyNotFoundException">No tensor of that name.</exception>
    /// <exception cref="WeightFileException">The shapes differ, or the file ended before the tensor's data.</exception>
    public void ReadInto(string name, Tensor destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var entry = this[name];
        if (!entry.Shape.SequenceEqual(destination.shape))
            throw new WeightFileException(
                $"{Path}: tensor {Quote(name)} has shape {FormatShape(entry.Shape)} but the destination has shape {FormatShape(destination.shape)}");
        using var source = Read(name);
        using var _ = torch.no_grad();
        destination.copy_(source);
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();

    private void ReadExactly(TensorEntry entry, Span<byte> span, long position)
    {
        int done = 0;
        while (done < span.Length)
        {
            int n = RandomAccess.Read(_handle, span[done..], position + done);
            if (n == 0)
                throw new WeightFileException($"{Path}: file ended while reading tensor {Quote(entry.Name)} (was it truncated after opening?)");
            done += n;
        }
    }

    private static void ReadExactly(string path, SafeFileHandle handle, Span<byte> span, long position)
    {
        int done = 0;
        while (done < span.Length)
        {
            int n = RandomAccess.Read(handle, span[done..], position + done);
            if (n == 0) throw new WeightFileException($"{path}: file ended while reading the header");
            done += n;
        }
    }

    private static SafetensorsFile ParseHeader(string path, SafeFileHandle handle)
    {
        WeightFileException Fail(string problem, Exception? inner = null) => new($"{path}: {problem}", inner);

        long fileLength = RandomAccess.GetLength(handle);
        if (fileLength < 8)
            throw Fail($"file is {fileLength} bytes, too short to hold the 8-byte header length");

        Span<byte> lengthBytes = stackalloc byte[8];
        ReadExactly(path, handle, lengthBytes, 0);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)MaxHeaderBytes)
            throw Fail($"header length {headerLength} bytes exceeds the {MaxHeaderBytes / (1024 * 1024)} MB limit");
        if ((long)headerLength > fileLength - 8)
            throw Fail($"header length {headerLength} bytes is larger than the file ({fileLength} bytes)");

        var headerBytes = new byte[(int)headerLength];
        ReadExactly(path, handle, headerBytes, 8);
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        string json;
        try
        {
            json = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(headerBytes);
        }
        catch (DecoderFallbackException e)
        {
            throw Fail("header is not valid UTF-8", e);
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw Fail($"header is not valid JSON: {e.Message}", e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Fail($"header is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object");

            var seen = new HashSet<string>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<TensorEntry>();
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw Fail($"header has the key {Quote(property.Name)} twice");
                if (property.Name == MetadataKey)
                {
                    if (property.Value.ValueKind != JsonValueKind.Object)
                        throw Fail($"{MetadataKey} is not a JSON object");
                    foreach (var m in property.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw Fail($"{MetadataKey} value {Quote(m.Name)} is not a string");
                        if (!metadata.TryAdd(m.Name, m.Value.GetString()!))
                            throw Fail($"{MetadataKey} has the key {Quote(m.Name)} twice");
                    }
                    continue;
                }
                entries.Add(ParseEntry(property, dataLength, Fail));
            }

            CheckOverlaps(entries, Fail);
            return new SafetensorsFile(path, handle, dataStart, metadata, entries);
        }
    }

    private static TensorEntry ParseEntry(JsonProperty property, long dataLength, Func<string, Exception?, WeightFileException> fail)
    {
        string name = property.Name;
        string tensor = $"tensor {Quote(name)}";
        var value = property.Value;
        if (value.ValueKind != JsonValueKind.Object)
            throw fail($"{tensor} is not a JSON object", null);

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw fail($"{tensor} has no dtype string", null);
        string dtype = dtypeElement.GetString()!;
        if (!SafetensorsDType.TryGetSize(dtype, out int elementSize))
            throw fail($"{tensor} has unknown dtype {Quote(dtype)} (known: {SafetensorsDType.Supported})", null);

        if (!value.TryGetProperty("shape", out var shapeElement) || !TryReadNonNegativeInts(shapeElement, out var shape))
            throw fail($"{tensor} shape must be an array of non-negative integers", null);

        if (!value.TryGetProperty("data_offsets", out var offsetsElement) || !TryReadNonNegativeInts(offsetsElement, out var offsets)
            || offsets.Length != 2 || offsets[0] > offsets[1])
            throw fail($"{tensor} data_offsets must be [begin, end] with 0 <= begin <= end", null);

        long begin = offsets[0], end = offsets[1];
        long expected;
        try
        {
            expected = elementSize;
            foreach (var d in shape) expected = checked(expected * d);
        }
        catch (OverflowException e)
        {
            throw fail($"{tensor} shape {FormatShape(shape)} is too large", e);
        }
        if (end - begin != expected)
            throw fail($"{tensor} data_offsets [{begin}, {end}] do not match shape {FormatShape(shape)} of {dtype} ({expected} bytes)", null);
        if (end > dataLength)
            throw fail($"{tensor} data_offsets [{begin}, {end}] extend past the end of the data section ({dataLength} bytes)", null);

        return new TensorEntry(name, dtype, shape, begin, end);
    }

    private static void CheckOverlaps(List<TensorEntry> entries, Func<string, Exception?, WeightFileException> fail)
    {
        TensorEntry? previous = null;
        foreach (var e in entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (previous is not null && e.Begin < previous.End)
                throw fail($"tensors {Quote(previous.Name)} [{previous.Begin}, {previous.End}] and {Quote(e.Name)} [{e.Begin}, {e.End}] overlap", null);
            if (previous is null || e.End > previous.End) previous = e;
        }
    }

    private static bool TryReadNonNegativeInts(JsonElement element, out long[] values)
    {
        values = [];
        if (element.ValueKind != JsonValueKind.Array) return false;
        var list = new List<long>(element.GetArrayLength());
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v) || v < 0) return false;
            list.Add(v);
        }
        values = [.. list];
        return true;
    }

    /// <summary>Formats a shape as "[3, 4]".</summary>
    internal static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>Quotes a name for a one-line message, escaping control characters.</summary>
    internal static string Quote(string name)
    {
        var sb = new StringBuilder(name.Length + 2).Append('\'');
        foreach (char c in name)
        {
            if (char.IsControl(c)) sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else sb.Append(c);
        }
        return sb.Append('\'').ToString();
    }
}
