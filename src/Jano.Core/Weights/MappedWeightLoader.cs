using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Core.Weights;

/// <summary>
/// Strict, streaming loading through explicit <see cref="TensorMapping"/>s (renames, fuses, half swaps, reshapes), for
/// checkpoints whose tensors do not map one-to-one onto the model's (e.g. a Diffusers folder into an official-layout port).
/// Every header is opened first; then every model key must have exactly one mapping, every mapping's sources must exist
/// with compatible shapes, and every checkpoint tensor (not skipped) must be used by exactly one mapping. All problems are
/// reported in one <see cref="WeightFileException"/> before anything is copied. Then each model tensor is built from its
/// sources (one at a time, only that tensor's sources in memory) and copied in with <c>copy_</c> under <c>no_grad</c>.
/// </summary>
public static class MappedWeightLoader
{
    /// <summary>Loads <paramref name="files"/> (safetensors or PyTorch zip; shards already resolved) into
    /// <paramref name="module"/> by <paramref name="mappings"/>; <paramref name="skip"/> leaves checkpoint tensors out.</summary>
    public static WeightLoadReport LoadInto(nn.Module module, IReadOnlyList<string> files, IReadOnlyList<TensorMapping> mappings,
        Func<string, bool>? skip = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(mappings);
        if (files.Count == 0) throw new ArgumentException("at least one weight file is needed", nameof(files));

        var opened = new List<ITensorFile>(files.Count);
        try
        {
            foreach (var f in files) opened.Add(WeightLoader.OpenTensorFile(f));
            var where = new Dictionary<string, (ITensorFile File, TensorEntry Entry)>(StringComparer.Ordinal);
            var duplicates = new List<string>();
            foreach (var file in opened)
            foreach (var entry in file.Entries)
            {
                if (skip is not null && skip(entry.Name)) continue;
                if (!where.TryAdd(entry.Name, (file, entry))) duplicates.Add($"{entry.Name} ({where[entry.Name].File.Path} and {file.Path})");
            }
            if (duplicates.Count > 0) throw new WeightFileException($"duplicate tensor names across weight files: [{string.Join(", ", duplicates)}]");

            var state = module.state_dict();
            var byTarget = new Dictionary<string, TensorMapping>(StringComparer.Ordinal);
            foreach (var m in mappings)
                if (!byTarget.TryAdd(m.Target, m)) throw new ArgumentException($"two mappings for model key {m.Target}", nameof(mappings));

            var missing = new List<string>();
            var unmapped = state.Keys.Where(k => !byTarget.ContainsKey(k)).ToList();
            var extraMappings = byTarget.Keys.Where(k => !state.ContainsKey(k)).ToList();
            var wrongShape = new List<string>();
            var used = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, m) in byTarget)
            {
                if (!state.TryGetValue(key, out var target)) continue;
                var present = new List<TensorEntry>();
                foreach (var s in m.Sources)
                {
                    if (!used.Add(s)) throw new ArgumentException($"checkpoint tensor {s} is used by two mappings", nameof(mappings));
                    if (where.TryGetValue(s, out var hit)) present.Add(hit.Entry);
                    else missing.Add(m.Sources.Count == 1 && s == key ? s : $"{s} (for {key})");
                }
                if (present.Count == m.Sources.Count && ShapeError(m, present, target.shape) is { } error) wrongShape.Add(error);
            }
            var unexpected = where.Keys.Where(n => !used.Contains(n)).ToList();
            if (unmapped.Count + extraMappings.Count > 0)
                missing.AddRange(unmapped.Select(k => $"{k} (no mapping)"));
            if (missing.Count + unexpected.Count + wrongShape.Count + extraMappings.Count > 0)
            {
                var parts = new List<string>();
                if (missing.Count > 0) parts.Add($"missing [{string.Join(", ", missing)}]");
                if (unexpected.Count > 0) parts.Add($"unexpected [{string.Join(", ", unexpected)}]");
                if (wrongShape.Count > 0) parts.Add($"wrong shape [{string.Join(", ", wrongShape)}]");
                if (extraMappings.Count > 0) parts.Add($"mapped keys the model lacks [{string.Join(", ", extraMappings)}]");
                throw new WeightFileException($"weights do not match the model: {string.Join("; ", parts)}");
            }

            int count = 0;
            long bytes = 0;
            using var _ = torch.no_grad();
            // in file order of each mapping's first source, so reads are mostly sequential
            var order = byTarget.Values.OrderBy(m => opened.IndexOf(where[m.Sources[0]].File)).ThenBy(m => where[m.Sources[0]].Entry.Begin);
            foreach (var m in order)
            {
                var target = state[m.Target];
                var sources = new List<Tensor>(m.Sources.Count);
                try
                {
                    foreach (var s in m.Sources)
                    {
                        var (file, entry) = where[s];
                        sources.Add(file.Read(s));
                        count++;
                        bytes += entry.ByteLength;
                    }
                    using var value = m.Apply(sources, target.shape);
                    target.copy_(value);
                }
                finally
                {
                    foreach (var t in sources) t.Dispose();
                }
            }
            return new WeightLoadReport(count, bytes, files.ToArray());
        }
        finally
        {
            foreach (var f in opened) f.Dispose();
        }
    }

    private static string? ShapeError(TensorMapping m, List<TensorEntry> sources, long[] target)
    {
        string Describe() => $"{m.Target}: file {string.Join(" + ", sources.Select(s => $"{s.Name} [{string.Join(",", s.Shape)}]"))} vs model [{string.Join(",", target)}]";
        if (sources.Any(s => s.Shape.Length == 0)) return Describe();
        var rest = sources[0].Shape.Skip(1).ToArray();
        if (sources.Any(s => !s.Shape.Skip(1).SequenceEqual(rest))) return Describe();
        long rows = sources.Sum(s => s.Shape[0]);
        long[] combined = [rows, .. rest];
        if (m.SwapHalves && rows % 2 != 0) return Describe();
        if (m.ReshapeToTarget)
            return combined.Aggregate(1L, (a, b) => a * b) == target.Aggregate(1L, (a, b) => a * b) && target.Length > 0 && target[0] == rows ? null : Describe();
        return combined.SequenceEqual(target) ? null : Describe();
    }
}
