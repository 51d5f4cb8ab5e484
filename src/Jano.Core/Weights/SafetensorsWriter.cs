using System.Buffers.Binary;
using System.Text.Json;
using Jano.Core.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Core.Weights;

/// <summary>
/// Writes safetensors files: the header is built and checked first, then each tensor's bytes are streamed
/// to disk from a contiguous CPU copy made one tensor at a time. The file appears atomically (<see cref="AtomicFile"/>).
/// </summary>
public static class SafetensorsWriter
{
    private const string MetadataKey = "__metadata__";

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/> in the given order, with optional string
    /// <paramref name="metadata"/> stored under <c>"__metadata__"</c>. The header JSON is padded with spaces so the
    /// data section starts at a multiple of 8 bytes. On failure no file (and no temporary file) is left behind.</summary>
    /// <exception cref="ArgumentException">A name is empty, repeated or "__metadata__", or a tensor's dtype has no
    /// safetensors equivalent.</exception>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; big-endian machines are not supported");

        var items = tensors.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var dtypes = new string[items.Count];
        var sizes = new long[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            var (name, tensor) = (items[i].Key, items[i].Value);
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("tensor names must not be empty", nameof(tensors));
            if (name == MetadataKey) throw new ArgumentException($"'{MetadataKey}' is reserved and cannot name a tensor", nameof(tensors));
            if (!names.Add(name)) throw new ArgumentException($"tensor name {SafetensorsFile.Quote(name)} appears twice", nameof(tensors));
            if (tensor is null) throw new ArgumentException($"tensor {SafetensorsFile.Quote(name)} is null", nameof(tensors));
            if (!SafetensorsDType.TryGetName(tensor.dtype, out dtypes[i], out int elementSize))
                throw new ArgumentException(
                    $"tensor {SafetensorsFile.Quote(name)} has dtype {tensor.dtype}, which safetensors cannot store (supported: {SafetensorsDType.Supported})",
                    nameof(tensors));
            sizes[i] = checked(tensor.numel() * elementSize);
        }

        byte[] header = BuildHeader(items, dtypes, sizes, metadata);

        AtomicFile.Write(path, (Stream stream) =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            for (int i = 0; i < items.Count; i++)
            {
                using var scope = torch.NewDisposeScope();
                var cpu = items[i].Value.detach().cpu().contiguous();
                long written = 0;
                TensorBytes.ForEachChunk(cpu, span =>
                {
                    stream.Write(span);
                    written += span.Length;
                });
                if (written != sizes[i])
                    throw new InvalidOperationException($"tensor {SafetensorsFile.Quote(items[i].Key)} produced {written} bytes, expected {sizes[i]}");
            }
        });
    }

    private static byte[] BuildHeader(List<KeyValuePair<string, Tensor>> items, string[] dtypes, long[] sizes,
        IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    ArgumentNullException.ThrowIfNull(value, $"metadata[{key}]");
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            for (int i = 0; i < items.Count; i++)
            {
                json.WriteStartObject(items[i].Key);
                json.WriteString("dtype", dtypes[i]);
                json.WriteStartArray("shape");
                foreach (var d in items[i].Value.shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + sizes[i]);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += sizes[i];
            }
            json.WriteEndObject();
        }
        int padding = (int)((8 - buffer.Length % 8) % 8);
        for (int i = 0; i < padding; i++) buffer.WriteByte((byte)' ');
        if (buffer.Length > SafetensorsFile.MaxHeaderBytes)
            throw new ArgumentException($"the header would be {buffer.Length} bytes, over the {SafetensorsFile.MaxHeaderBytes} byte limit readers accept");
        return buffer.ToArray();
    }
}
