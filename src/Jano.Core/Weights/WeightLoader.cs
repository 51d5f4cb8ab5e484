using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Core.Weights;

/// <summary>
/// Strict, streaming loading of safetensors and PyTorch zip (<c>.pth</c>) weights into a TorchSharp module by <c>state_dict</c> key,
/// and saving a module's <c>state_dict</c>.
/// </summary>
public static class WeightLoader
{
    private const string IndexSuffix = ".index.json";

    /// <summary>
    /// Loads weights into <paramref name="module"/>. Every header is opened and validated first; then the file keys
    /// (after <paramref name="rename"/>) are checked against <c>module.state_dict()</c>. Any missing, unexpected or
    /// wrong-shape key is reported in one <see cref="WeightFileException"/> before anything is copied. Tensors are then
    /// streamed one at a time and copied with <c>copy_</c> under <c>no_grad</c>, converted to each target's dtype.
    /// </summary>
    /// <param name="module">The module to fill; its parameters and buffers keep their dtype and device.</param>
    /// <param name="paths">One or more <c>.safetensors</c> or PyTorch zip checkpoint (<c>.pth</c>) files, and/or <c>*.safetensors.index.json</c> files whose
    /// <c>weight_map</c> names shard files relative to the index.</param>
    /// <param name="rename">Optional map from a file's tensor name to the model's state_dict key.</param>
    /// <param name="skip">Optional test on a file's tensor name: true leaves that tensor out entirely (e.g. a tied duplicate).</param>
    /// <exception cref="WeightFileException">A file is malformed, a key appears twice across files, or the weights do
    /// not match the model.</exception>
    public static WeightLoadReport LoadInto(nn.Module module, IReadOnlyList<string> paths, Func<string, string>? rename = null,
        Func<string, bool>? skip = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 0) throw new ArgumentException("at least one weight file is needed", nameof(paths));

        var (files, expectedByFile) = ResolveFiles(paths);
        var opened = new List<ITensorFile>(files.Count);
        try
        {
            foreach (var file in files) opened.Add(OpenTensorFile(file));
            CheckIndexes(opened, expectedByFile);

            // model key -> (file, entry)
            var sources = new Dictionary<string, (ITensorFile File, TensorEntry Entry)>(StringComparer.Ordinal);
            var order = new List<(ITensorFile File, TensorEntry Entry, string Key)>();
            var duplicates = new List<string>();
            foreach (var file in opened)
            {
                foreach (var entry in file.Entries)
                {
                    if (skip is not null && skip(entry.Name)) continue;
                    string key = rename is null ? entry.Name : rename(entry.Name)
                        ?? throw new InvalidOperationException($"the rename function returned null for {SafetensorsFile.Quote(entry.Name)}");
                    if (sources.TryGetValue(key, out var first))
                        duplicates.Add($"{key} ({Describe(first.File, first.Entry, key)} and {Describe(file, entry, key)})");
                    else
                    {
                        sources.Add(key, (file, entry));
                        order.Add((file, entry, key));
                    }
                }
            }
            if (duplicates.Count > 0)
                throw new WeightFileException($"duplicate tensor keys across weight files: [{string.Join(", ", duplicates)}]");

            var state = module.state_dict();
            var missing = state.Keys.Where(k => !sources.ContainsKey(k)).ToList();
            var unexpected = sources.Keys.Where(k => !state.ContainsKey(k)).ToList();
            var wrongShape = new List<string>();
            foreach (var (key, source) in sources)
            {
                if (state.TryGetValue(key, out var target) && !source.Entry.Shape.SequenceEqual(target.shape))
                    wrongShape.Add($"{key}: file {CompactShape(source.Entry.Shape)} vs model {CompactShape(target.shape)}");
            }
            if (missing.Count + unexpected.Count + wrongShape.Count > 0)
            {
                var parts = new List<string>();
                if (missing.Count > 0) parts.Add($"missing [{string.Join(", ", missing)}]");
                if (unexpected.Count > 0) parts.Add($"unexpected [{string.Join(", ", unexpected)}]");
                if (wrongShape.Count > 0) parts.Add($"wrong shape [{string.Join(", ", wrongShape)}]");
                throw new WeightFileException($"weights do not match the model: {string.Join("; ", parts)}");
            }

            int count = 0;
            long bytes = 0;
            // File by file; safetensors in on-disk order, so reads are sequential (.pth in pickle order).
            foreach (var (file, entry, key) in order.OrderBy(o => opened.IndexOf(o.File)).ThenBy(o => o.File is SafetensorsFile ? o.Entry.Begin : 0))
            {
                file.ReadInto(entry.Name, state[key]);
                count++;
                bytes += entry.ByteLength;
            }
            return new WeightLoadReport(count, bytes, files);
        }
        finally
        {
            foreach (var file in opened) file.Dispose();
        }
    }

    /// <summary>Opens a weight file: a PyTorch zip checkpoint (<c>.pth</c>, <c>.pt</c>, <c>.bin</c>, <c>.ckpt</c>, or any file
    /// starting with a zip signature) as a <see cref="PthFile"/>, anything else as a <see cref="SafetensorsFile"/>.</summary>
    /// <exception cref="WeightFileException">The file cannot be opened or is malformed.</exception>
    public static ITensorFile OpenTensorFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is ".pth" or ".pt" or ".bin" or ".ckpt") return PthFile.Open(path);
        if (ext != ".safetensors" && StartsWithZipSignature(path)) return PthFile.Open(path);
        return SafetensorsFile.Open(path);
    }

    private static bool StartsWithZipSignature(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            return f.ReadByte() == 'P' && f.ReadByte() == 'K';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Saves <c>module.state_dict()</c> (all parameters and buffers, in state_dict order) to
    /// <paramref name="path"/> atomically, with optional string <paramref name="metadata"/>.</summary>
    public static void Save(nn.Module module, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        SafetensorsWriter.Save(path, module.state_dict(), metadata);
    }

    private static string Describe(ITensorFile file, TensorEntry entry, string key) =>
        entry.Name == key ? file.Path : $"{file.Path} as {entry.Name}";

    private static string CompactShape(IEnumerable<long> shape) => "[" + string.Join(",", shape) + "]";

    /// <summary>Expands index files into their shards (distinct, in order of first mention); records, per shard, the
    /// tensor names the index says it holds.</summary>
    private static (List<string> Files, Dictionary<string, List<string>> ExpectedByFile) ResolveFiles(IReadOnlyList<string> paths)
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var expected = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            ArgumentException.ThrowIfNullOrEmpty(path, nameof(paths));
            if (!path.EndsWith(IndexSuffix, StringComparison.OrdinalIgnoreCase))
            {
                if (seen.Add(Path.GetFullPath(path))) files.Add(path);
                continue;
            }
            foreach (var (tensor, shard) in ReadIndex(path))
            {
                if (seen.Add(Path.GetFullPath(shard))) files.Add(shard);
                var key = Path.GetFullPath(shard);
                if (!expected.TryGetValue(key, out var list)) expected[key] = list = [];
                list.Add(tensor);
            }
        }
        return (files, expected);
    }

    /// <summary>Reads an index's weight_map as (tensor, shard path resolved next to the index) pairs.</summary>
    private static IReadOnlyList<(string Tensor, string Shard)> ReadIndex(string indexPath) => ShardIndex.Read(indexPath);

    /// <summary>Every tensor an index assigns to a shard must be in that shard.</summary>
    private static void CheckIndexes(List<ITensorFile> opened, Dictionary<string, List<string>> expectedByFile)
    {
        foreach (var file in opened)
        {
            if (!expectedByFile.TryGetValue(Path.GetFullPath(file.Path), out var expected)) continue;
            var absent = expected.Where(name => !file.Contains(name)).ToList();
            if (absent.Count > 0)
                throw new WeightFileException($"{file.Path}: the index assigns tensors this shard does not hold: [{string.Join(", ", absent)}]");
        }
    }
}
