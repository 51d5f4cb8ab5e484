using System.Text.Json;
using Jano.Core.Weights;
using Jano.Engine.Pipelines;
using Jano.Models.Flux;
using Jano.Models.Flux.Autoencoder;
using Jano.Models.Flux.TextEncoders;
using Jano.Models.Wan.TextEncoder;
using TorchSharp;

namespace Jano.Engine.Jobs;

/// <summary>
/// <c>jano inspect</c> on a FLUX.1 folder (<see cref="FluxCheckpointLayout"/>, official or Diffusers). Only headers, configs and
/// tokenizer files are read, never tensor data: the transformer's and VAE's names and shapes are compared with a
/// <see cref="FluxModel"/> / <see cref="FluxAutoEncoder"/> built on the meta device from the folder's configs (Diffusers names
/// through the rename tables, split qkv and linear1 included); CLIP's text tower with a <see cref="ClipTextModel"/> and the T5
/// encoder with a <see cref="UmT5Encoder"/> from their <c>config.json</c>; both tokenizers are loaded.
/// </summary>
public static class FluxInspection
{
    private static readonly string[] ClipTokenizerFiles = ["vocab.json", "merges.txt"];

    /// <summary>Inspects a FLUX folder.</summary>
    public static InspectReport Run(FluxCheckpointLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var items = new List<InspectItem>();
        if (layout.IsDiffusers) items.Add(ModelIndex(layout));
        var (configItem, config) = TransformerConfig(layout);
        items.Add(configItem);
        items.Add(Transformer(layout, config));
        items.Add(Vae(layout));
        items.Add(Clip(layout));
        items.Add(ClipTokenizer(layout));
        items.Add(T5(layout));
        items.Add(T5Tokenizer(layout));
        return new InspectReport(layout.Root, layout.IsDiffusers ? "FLUX.1 (Diffusers)" : "FLUX.1", items);
    }

    private static InspectItem ModelIndex(FluxCheckpointLayout layout)
    {
        string path = Path.Combine(layout.Root, FluxCheckpointLayout.ModelIndex);
        try
        {
            using var doc = JsonDocument.Parse(Jano.Core.IO.SmallFile.ReadText(path));
            return doc.RootElement.ValueKind == JsonValueKind.Object
                ? new InspectItem(FluxCheckpointLayout.ModelIndex, "ok", "Diffusers layout")
                : new InspectItem(FluxCheckpointLayout.ModelIndex, "invalid", "not a JSON object");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            string message = e is JsonException j ? Jano.Core.ConfigJson.Describe(j, typeof(object)) : e.Message;
            return new InspectItem(FluxCheckpointLayout.ModelIndex, "invalid", InspectJob.OneLine(message));
        }
    }

    private static string Rel(FluxCheckpointLayout layout, string path) => Path.GetRelativePath(layout.Root, path).Replace('\\', '/');

    private static (InspectItem, FluxConfig?) TransformerConfig(FluxCheckpointLayout layout)
    {
        string name = layout.IsDiffusers ? "transformer/config.json" : "config.json";
        string path = Path.Combine(layout.Root, name);
        if (layout.IsDiffusers && !File.Exists(path)) return (new InspectItem(name, "missing", "absent"), null);
        if (!layout.IsDiffusers && !File.Exists(path) && !OfficialTransformerPresent(layout))
            return (new InspectItem(name, "missing", "no config.json and no transformer weights to infer it from"), null);
        try
        {
            var cfg = layout.ReadTransformerConfig();
            string source = File.Exists(path) ? "" : " (inferred from the checkpoint's shapes)";
            return (new InspectItem(name, "ok",
                $"hidden {cfg.HiddenSize}, heads {cfg.NumHeads}, double {cfg.Depth}, single {cfg.DepthSingleBlocks}, guidance {(cfg.GuidanceEmbed ? "embedded (dev)" : "none (schnell)")}{source}"), cfg);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or ArgumentException or WeightFileException or IOException)
        {
            return (new InspectItem(name, "invalid", InspectJob.OneLine(e.Message)), null);
        }
    }

    private static bool OfficialTransformerPresent(FluxCheckpointLayout layout) =>
        FluxCheckpointLayout.OfficialTransformerFiles.Any(n => File.Exists(Path.Combine(layout.Root, n)));

    private static InspectItem Transformer(FluxCheckpointLayout layout, FluxConfig? config)
    {
        string name = layout.IsDiffusers ? "transformer/diffusion_pytorch_model*.safetensors" : string.Join(" or ", FluxCheckpointLayout.OfficialTransformerFiles);
        if (!layout.IsDiffusers && !OfficialTransformerPresent(layout)) return new InspectItem(name, "missing", "absent");
        if (config is null) return new InspectItem(name, "missing", "not checked without a valid transformer config");
        return Weights(layout, name, () => layout.TransformerFiles, () =>
        {
            var official = InspectJob.ExpectedKeys(() => new FluxModel(config, torch.META));
            return layout.IsDiffusers ? Sources(FluxDiffusersKeys.Transformer(config), official, (m, s) => FluxDiffusersKeys.SourceShapes(m, s, config)) : official;
        }, skip: null, label: layout.IsDiffusers ? "the transformer config (Diffusers names)" : "the transformer config");
    }

    private static InspectItem Vae(FluxCheckpointLayout layout)
    {
        string name = layout.IsDiffusers ? "vae/diffusion_pytorch_model.safetensors" : "ae.safetensors";
        if (!File.Exists(Path.Combine(layout.Root, name)) && !File.Exists(Path.Combine(layout.Root, "vae", "diffusion_pytorch_model.safetensors.index.json")))
            return new InspectItem(name, "missing", "absent");
        FluxVaeConfig cfg;
        try
        {
            cfg = layout.ReadVaeConfig();
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or ArgumentException or WeightFileException or IOException)
        {
            return new InspectItem(name, "invalid", InspectJob.OneLine(e.Message));
        }
        return Weights(layout, name, () => layout.VaeFiles, () =>
        {
            var official = InspectJob.ExpectedKeys(() => new FluxAutoEncoder(cfg, torch.META));
            return layout.IsDiffusers ? Sources(FluxVaeDiffusersKeys.All(cfg), official, (m, s) => [FluxVaeDiffusersKeys.SourceShape(m, s)]) : official;
        }, skip: null, label: $"the FLUX VAE structure (ch {cfg.Ch}, {cfg.ChMult.Length} levels, z {cfg.ZChannels})");
    }

    private static InspectItem Clip(FluxCheckpointLayout layout)
    {
        string name = Rel(layout, layout.ClipFolder) + "/";
        if (!Directory.Exists(layout.ClipFolder)) return new InspectItem(name, "missing", "absent (CLIP-L text encoder)");
        ClipTextConfig cfg;
        try
        {
            cfg = layout.ReadClipConfig();
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or ArgumentException or IOException)
        {
            return new InspectItem(name + "config.json", "invalid", InspectJob.OneLine(e.Message));
        }
        return Weights(layout, name + "model*.safetensors", () => FluxCheckpointLayout.WeightFiles(layout.ClipFolder, "model", "pytorch_model"),
            () => InspectJob.ExpectedKeys(() => new ClipTextModel(cfg, torch.META)), FluxCheckpointLayout.SkipClip,
            $"a CLIP text model of width {cfg.HiddenSize}, {cfg.NumHiddenLayers} layers");
    }

    private static InspectItem T5(FluxCheckpointLayout layout)
    {
        string name = Rel(layout, layout.T5Folder) + "/";
        if (!Directory.Exists(layout.T5Folder)) return new InspectItem(name, "missing", "absent (T5 v1.1 encoder)");
        UmT5Config cfg;
        try
        {
            cfg = layout.ReadT5Config();
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or ArgumentException or IOException)
        {
            return new InspectItem(name + "config.json", "invalid", InspectJob.OneLine(e.Message));
        }
        IReadOnlyList<string> files;
        try
        {
            files = FluxCheckpointLayout.WeightFiles(layout.T5Folder, "model", "pytorch_model");
        }
        catch (Exception e) when (e is FileNotFoundException or WeightFileException or JsonException or InvalidDataException)
        {
            return new InspectItem(name + "model*.safetensors", e is FileNotFoundException ? "missing" : "invalid", InspectJob.OneLine(e.Message));
        }
        Func<string, bool>? skip;
        try
        {
            var names = new List<string>();
            foreach (var f in files.Where(File.Exists))
            {
                using var file = WeightLoader.OpenTensorFile(f);
                names.AddRange(file.Entries.Select(e => e.Name));
            }
            skip = T5HfKeys.Skip(names);
        }
        catch (WeightFileException e)
        {
            return new InspectItem(name + "model*.safetensors", "invalid", InspectJob.OneLine(e.Message));
        }
        return Weights(layout, name + "model*.safetensors", () => files,
            () => InspectJob.ExpectedKeys(() => new UmT5Encoder(cfg, torch.META)).ToDictionary(kv => T5HfKeys.ToHf(kv.Key), kv => kv.Value, StringComparer.Ordinal),
            skip, $"a T5 encoder of width {cfg.Dim}, {cfg.NumLayers} layers");
    }

    private static InspectItem ClipTokenizer(FluxCheckpointLayout layout)
    {
        string name = Rel(layout, layout.ClipTokenizerFolder) + "/vocab.json, merges.txt";
        var absent = ClipTokenizerFiles.Where(f => !File.Exists(Path.Combine(layout.ClipTokenizerFolder, f))).ToList();
        if (absent.Count > 0) return new InspectItem(name, "missing", $"absent: {string.Join(", ", absent)}");
        try
        {
            var tok = layout.LoadClipTokenizer();
            return new InspectItem(name, "ok", $"CLIP BPE tokenizer, {tok.MaxLength} ids per prompt");
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or ArgumentException or IOException)
        {
            return new InspectItem(name, "invalid", InspectJob.OneLine(e.Message));
        }
    }

    private static InspectItem T5Tokenizer(FluxCheckpointLayout layout)
    {
        string name = Rel(layout, layout.T5TokenizerModel);
        if (!File.Exists(layout.T5TokenizerModel)) return new InspectItem(name, "missing", "absent (a tokenizer.json alone is not supported)");
        try
        {
            layout.LoadT5Tokenizer(8);
            return new InspectItem(name, "ok", "SentencePiece model");
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IOException)
        {
            return new InspectItem(name, "invalid", InspectJob.OneLine(e.Message));
        }
    }

    // The expected source names and shapes of a rename table: each mapping's sources with the shapes its rule gives from the
    // target's shape.
    private static Dictionary<string, long[]> Sources(IReadOnlyList<TensorMapping> mappings, Dictionary<string, long[]> targets,
        Func<TensorMapping, long[], IReadOnlyList<long[]>> shapes)
    {
        var expected = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var m in mappings)
        {
            if (!targets.TryGetValue(m.Target, out var target)) continue;
            var s = shapes(m, target);
            for (int i = 0; i < m.Sources.Count; i++) expected[m.Sources[i]] = s[i];
        }
        return expected;
    }

    // Headers of the files against the expected names and shapes (names skip() accepts are left out).
    private static InspectItem Weights(FluxCheckpointLayout layout, string name, Func<IReadOnlyList<string>> files, Func<Dictionary<string, long[]>> expected,
        Func<string, bool>? skip, string label)
    {
        IReadOnlyList<string> list;
        try
        {
            list = files();
        }
        catch (FileNotFoundException e)
        {
            return new InspectItem(name, "missing", InspectJob.OneLine(e.Message));
        }
        catch (Exception e) when (e is WeightFileException or JsonException or InvalidDataException or IOException)
        {
            return new InspectItem(name, "invalid", InspectJob.OneLine(e.Message));
        }
        var absent = list.Where(f => !File.Exists(f)).Select(f => Rel(layout, f)).ToList();
        if (absent.Count > 0) return new InspectItem(name, "missing", $"absent: {string.Join(", ", absent)}");
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var dtypes = new SortedSet<string>(StringComparer.Ordinal);
        long bytes = 0;
        try
        {
            foreach (var f in list)
            {
                if (new FileInfo(f).Length == 0) return new InspectItem(name, "placeholder", $"{Rel(layout, f)} is empty, contents not checked");
                using var file = WeightLoader.OpenTensorFile(f);
                foreach (var e in file.Entries)
                {
                    if (skip is not null && skip(e.Name)) continue;
                    if (!shapes.TryAdd(e.Name, e.Shape)) return new InspectItem(name, "invalid", $"tensor '{e.Name}' appears in two files");
                    bytes += e.ByteLength;
                    dtypes.Add(e.DType);
                }
            }
        }
        catch (WeightFileException e)
        {
            return new InspectItem(name, "invalid", InspectJob.OneLine(e.Message));
        }
        string what = list.Count == 1 ? Rel(layout, list[0]) : $"{list.Count} shards";
        string? problem = InspectJob.CompareKeys(shapes, expected());
        return problem is null
            ? new InspectItem(name, "ok", $"{what}: {shapes.Count} tensors ({string.Join("/", dtypes)}, {bytes / 1e9:F2} GB) match {label}")
            : new InspectItem(name, "invalid", $"{what} vs {label}: {problem}");
    }
}
