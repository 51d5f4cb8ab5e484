using System.Globalization;
using System.Text.Json;
using Jano.Core.IO;

namespace Jano.Core.Weights;

/// <summary>
/// Reads a sharded checkpoint's index (<c>*.safetensors.index.json</c>): its <c>weight_map</c> object maps each tensor
/// name to the shard file that holds it. Shard names must be plain file names in the index's folder (no folder part,
/// not <c>.</c> or <c>..</c>), so an index cannot point outside its checkpoint.
/// </summary>
public static class ShardIndex
{
    /// <summary>Largest index file read, in bytes.</summary>
    public const long MaxIndexBytes = 64L << 20;

    /// <summary>Most entries in a <c>weight_map</c>.</summary>
    public const int MaxEntries = 1_000_000;

    /// <summary>The (tensor, shard path) pairs of the index, in file order; shard paths are resolved next to the index.</summary>
    /// <exception cref="WeightFileException">The index is unreadable, not JSON, has no <c>weight_map</c> object, or an
    /// entry is not a plain shard file name; the message names the index and the entry.</exception>
    public static IReadOnlyList<(string Tensor, string Shard)> Read(string indexPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(indexPath);
        string text;
        try
        {
            text = SmallFile.ReadText(indexPath, MaxIndexBytes);
        }
        catch (InvalidDataException e)
        {
            throw new WeightFileException(e.Message, e);
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new WeightFileException($"{indexPath}: index is not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new WeightFileException($"{indexPath}: index has no weight_map object");
            string folder = Path.GetDirectoryName(Path.GetFullPath(indexPath)) ?? ".";
            var result = new List<(string, string)>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                if (result.Count >= MaxEntries)
                    throw new WeightFileException($"{indexPath}: weight_map has more than {MaxEntries.ToString(CultureInfo.InvariantCulture)} entries");
                string tensor = ErrorText.Quote(entry.Name);
                if (entry.Value.ValueKind != JsonValueKind.String)
                    throw new WeightFileException($"{indexPath}: weight_map value for {tensor} is a JSON {entry.Value.ValueKind.ToString().ToLowerInvariant()}, not a shard file name");
                string shard = entry.Value.GetString()!;
                if (shard.Length == 0 || shard is "." or ".." || shard.IndexOfAny(['/', '\\', '\0']) >= 0 || shard.Any(char.IsControl))
                    throw new WeightFileException($"{indexPath}: weight_map value {ErrorText.Quote(shard)} for {tensor} is not a plain file name in the index's folder");
                if (!names.Add(entry.Name))
                    throw new WeightFileException($"{indexPath}: weight_map lists {tensor} twice");
                result.Add((entry.Name, Path.Combine(folder, shard)));
            }
            if (result.Count == 0) throw new WeightFileException($"{indexPath}: weight_map is empty");
            return result;
        }
    }
}
