using System.Text.Json;
using Jano.Core.Weights;
using Jano.Engine.Pipelines;
using Jano.Engine.Pipelines.Wan;
using Jano.Models.Wan;
using Jano.Models.Wan.TextEncoder;
using Jano.Models.Wan.Vae;
using TorchSharp;

namespace Jano.Engine.Jobs;

/// <summary>
/// <c>jano inspect</c>: checks a folder laid out like the official Wan2.1 text-to-video release
/// (<c>config.json</c>, <c>diffusion_pytorch_model*.safetensors</c> with an optional index,
/// <c>models_t5_umt5-xxl-enc-bf16.pth</c>, <c>Wan2.1_VAE.pth</c>, the <c>google/umt5-xxl</c> tokenizer folder).
/// Only headers and pickles are read, never tensor data: DiT keys and shapes are compared with a <see cref="WanModel"/>
/// built on the meta device from <c>config.json</c>, VAE keys and shapes with <see cref="WanVae"/>.
/// A folder with <c>model_index.json</c> is checked as a Diffusers folder (<see cref="WanCheckpointLayout"/>): tensor names
/// are mapped by the rename tables first, so an unknown name is reported as invalid. A FLUX.1 folder (either layout,
/// <see cref="FluxCheckpointLayout.Claims"/>) is checked by <see cref="FluxInspection"/>.
/// </summary>
public static class InspectJob
{
    /// <summary>The DiT config file.</summary>
    public const string ConfigFile = "config.json";
    /// <summary>The single-file DiT weights.</summary>
    public const string DitFile = "diffusion_pytorch_model.safetensors";
    /// <summary>The sharded DiT index.</summary>
    public const string DitIndex = "diffusion_pytorch_model.safetensors.index.json";
    /// <summary>The text encoder checkpoint.</summary>
    public const string T5File = "models_t5_umt5-xxl-enc-bf16.pth";
    /// <summary>The VAE checkpoint.</summary>
    public const string VaeFile = "Wan2.1_VAE.pth";
    /// <summary>The tokenizer folder.</summary>
    public const string TokenizerFolder = "google/umt5-xxl";

    /// <summary>Inspects <paramref name="folder"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static InspectReport Run(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        string root = Path.GetFullPath(folder);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: no such folder");
        if (FluxCheckpointLayout.Claims(root)) return FluxInspection.Run(FluxCheckpointLayout.Of(root));
        if (WanCheckpointLayout.Of(root).IsDiffusers) return RunDiffusers(WanCheckpointLayout.Of(root));
        var items = new List<InspectItem>();
        var (configItem, config) = InspectConfig(root);
        items.Add(configItem);
        items.Add(InspectDit(root, config));
        items.Add(InspectPth(root, T5File, null));
        items.Add(InspectPth(root, VaeFile, WanVaeConfig.Wan21));
        items.Add(InspectTokenizer(root));
        return new InspectReport(root, "Wan2.1-T2V", items);
    }

    private static (InspectItem, WanConfig?) InspectConfig(string root)
    {
        string path = Path.Combine(root, ConfigFile);
        if (!File.Exists(path)) return (new InspectItem(ConfigFile, "missing", "no config.json; DiT checked against the released presets"), null);
        try
        {
            var cfg = WanConfig.FromJson(Jano.Core.IO.SmallFile.ReadText(path), ConfigFile);
            return (new InspectItem(ConfigFile, "ok",
                $"dim {cfg.Dim}, ffn_dim {cfg.FfnDim}, heads {cfg.NumHeads}, layers {cfg.NumLayers}, text_dim {cfg.TextDim}"), cfg);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            return (new InspectItem(ConfigFile, "invalid", OneLine(e.Message)), null);
        }
    }

    private static InspectReport RunDiffusers(WanCheckpointLayout layout)
    {
        string root = layout.Root;
        var items = new List<InspectItem> { new(WanCheckpointLayout.ModelIndex, "ok", "Diffusers layout") };
        WanConfig? config = null;
        const string configName = "transformer/config.json";
        if (!File.Exists(layout.ConfigPath)) items.Add(new InspectItem(configName, "missing", "absent"));
        else
        {
            try
            {
                config = layout.ReadConfig();
                items.Add(new InspectItem(configName, "ok",
                    $"dim {config.Dim}, ffn_dim {config.FfnDim}, heads {config.NumHeads}, layers {config.NumLayers}, text_dim {config.TextDim}"));
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                items.Add(new InspectItem(configName, "invalid", OneLine(e.Message)));
            }
        }
        items.Add(config is null
            ? new InspectItem("transformer/diffusion_pytorch_model*.safetensors", "missing", "not checked without a valid transformer/config.json")
            : InspectDit(layout.TransformerFolder, config, "transformer/", WanDiffusersKeys.ToOfficial));
        items.Add(InspectTextEncoder(layout));
        items.Add(layout.VaeRename is null
            ? InspectPth(root, Path.GetRelativePath(root, layout.VaePath), WanVaeConfig.Wan21)
            : InspectDiffusersVae(layout));
        items.Add(File.Exists(layout.TokenizerModel)
            ? new InspectItem("tokenizer/spiece.model", "ok", "SentencePiece model")
            : new InspectItem("tokenizer/spiece.model", "missing", "absent (a tokenizer.json alone is not supported)"));
        return new InspectReport(root, "Wan2.1-T2V (Diffusers)", items);
    }

    // vae/diffusion_pytorch_model.safetensors (AutoencoderKLWan names), renamed, against the released VAE structure.
    private static InspectItem InspectDiffusersVae(WanCheckpointLayout layout)
    {
        string name = Path.GetRelativePath(layout.Root, layout.VaePath);
        if (!File.Exists(layout.VaePath)) return new InspectItem("vae/", "missing", "neither vae/diffusion_pytorch_model.safetensors nor Wan2.1_VAE.pth");
        try
        {
            using var st = SafetensorsFile.Open(layout.VaePath);
            var shapes = st.Entries.ToDictionary(e => layout.VaeRename!(e.Name), e => e.Shape, StringComparer.Ordinal);
            string summary = $"{st.Entries.Count} tensors ({string.Join("/", st.Entries.Select(e => e.DType).Distinct().Order(StringComparer.Ordinal))}, AutoencoderKLWan names)";
            return CheckVae(name, shapes, summary, WanVaeConfig.Wan21);
        }
        catch (WeightFileException e)
        {
            return new InspectItem(name, "invalid", e.Message);
        }
    }

    // text_encoder/model*.safetensors: every name maps to an official umT5 key, and the mapped set is the encoder's full key set.
    private static InspectItem InspectTextEncoder(WanCheckpointLayout layout)
    {
        const string name = "text_encoder/model*.safetensors";
        var files = layout.TextEncoderFiles;
        var absent = files.Where(f => !File.Exists(f)).Select(f => Path.GetRelativePath(layout.Root, f)).ToList();
        if (absent.Count > 0) return new InspectItem(name, "missing", $"absent: {string.Join(", ", absent)}");
        try
        {
            var entries = new List<TensorEntry>();
            foreach (var f in files)
            {
                using var st = SafetensorsFile.Open(f);
                entries.AddRange(st.Entries);
            }
            var skip = layout.TextEncoderSkip(entries.Select(e => e.Name))!;
            var keys = entries.Where(e => !skip(e.Name)).Select(e => UmT5HfKeys.ToOfficial(e.Name)).ToHashSet(StringComparer.Ordinal);
            int layers = 0;
            while (keys.Contains($"blocks.{layers}.norm1.weight")) layers++;
            var expected = new HashSet<string>(UmT5HfKeys.TopLevel.Values, StringComparer.Ordinal);
            for (int i = 0; i < layers; i++)
                foreach (var k in UmT5HfKeys.InBlock.Values) expected.Add($"blocks.{i}.{k}");
            var missing = expected.Where(k => !keys.Contains(k)).Take(3).ToList();
            var extra = keys.Where(k => !expected.Contains(k)).Take(3).ToList();
            string dtypes = string.Join("/", entries.Select(e => e.DType).Distinct().Order(StringComparer.Ordinal));
            if (missing.Count + extra.Count > 0)
                return new InspectItem(name, "invalid", $"umT5 keys do not fit: missing {string.Join(", ", missing)}; unexpected {string.Join(", ", extra)}");
            return new InspectItem(name, "ok", $"{entries.Count} tensors ({dtypes}), umT5 encoder with {layers} blocks (UMT5EncoderModel names)");
        }
        catch (WeightFileException e)
        {
            return new InspectItem(name, "invalid", e.Message);
        }
    }

    private static InspectItem InspectDit(string root, WanConfig? config) => InspectDit(root, config, "", null);

    private static InspectItem InspectDit(string root, WanConfig? config, string prefix, Func<string, string>? rename)
    {
        string name = prefix + "diffusion_pytorch_model*.safetensors";
        List<string> files;
        string indexPath = Path.Combine(root, DitIndex);
        try
        {
            if (File.Exists(indexPath))
            {
                files = ShardIndex.Read(indexPath).Select(e => e.Shard).Distinct().ToList();
                var absent = files.Where(f => !File.Exists(f)).Select(Path.GetFileName).ToList();
                if (absent.Count > 0) return new InspectItem(name, "missing", $"shards named by the index are absent: {string.Join(", ", absent)}");
            }
            else
            {
                files = Directory.EnumerateFiles(root, "diffusion_pytorch_model*.safetensors").Order(StringComparer.Ordinal).ToList();
                if (files.Count == 0) return new InspectItem(name, "missing", "no DiT weights");
                if (files.Count > 1) return new InspectItem(name, "invalid", $"{files.Count} shards but no {DitIndex}");
            }
        }
        catch (Exception e) when (e is JsonException or IOException or WeightFileException)
        {
            return new InspectItem(name, "invalid", $"{DitIndex}: {OneLine(e.Message)}");
        }

        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        long bytes = 0;
        var dtypes = new SortedSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var f in files)
            {
                using var st = SafetensorsFile.Open(f);
                foreach (var e in st.Entries)
                {
                    string key = rename is null ? e.Name : rename(e.Name);
                    if (!shapes.TryAdd(key, e.Shape)) return new InspectItem(name, "invalid", $"tensor '{e.Name}' appears in two shards");
                    bytes += e.ByteLength;
                    dtypes.Add(e.DType);
                }
            }
        }
        catch (WeightFileException e)
        {
            return new InspectItem(name, "invalid", e.Message);
        }

        string files_ = files.Count == 1 ? Path.GetFileName(files[0]) : $"{files.Count} shards";
        (string Label, WanConfig Config)[] candidates = config is not null
            ? [(prefix + "config.json", config)]
            : [("1.3B preset", WanConfig.T2V_1_3B), ("14B preset", WanConfig.T2V_14B)];
        string? firstProblem = null;
        foreach (var (label, cfg) in candidates)
        {
            string? problem = CompareKeys(shapes, ExpectedKeys(() => new WanModel(cfg, torch.META)));
            if (problem is null)
                return new InspectItem(name, "ok", $"{files_}: {shapes.Count} tensors ({string.Join("/", dtypes)}, {bytes / 1e9:F2} GB) match {label}"
                    + (rename is null ? "" : " (Diffusers names)"));
            firstProblem ??= $"{files_} vs {label}: {problem}";
        }
        return new InspectItem(name, "invalid", firstProblem!);
    }

    private static InspectItem InspectPth(string root, string file, WanVaeConfig? vae)
    {
        string path = Path.Combine(root, file);
        if (!File.Exists(path)) return new InspectItem(file, "missing", "absent");
        if (new FileInfo(path).Length == 0) return new InspectItem(file, "placeholder", "empty file, contents not checked");
        try
        {
            using var pth = PthFile.Open(path);
            var dtypes = string.Join("/", pth.Entries.Select(e => e.DType).Distinct().Order(StringComparer.Ordinal));
            string summary = $"{pth.Entries.Count} tensors ({dtypes})";
            if (vae is null) return new InspectItem(file, "ok", summary);
            return CheckVae(file, pth.Entries.ToDictionary(e => e.Name, e => e.Shape, StringComparer.Ordinal), summary, vae);
        }
        catch (WeightFileException e)
        {
            return new InspectItem(file, "invalid", e.Message);
        }
    }

    // The released structure at the file's base width (96 in the release; smaller test checkpoints keep the structure).
    private static InspectItem CheckVae(string file, Dictionary<string, long[]> shapes, string summary, WanVaeConfig vae)
    {
        if (shapes.TryGetValue("encoder.conv1.weight", out var conv1) && conv1.Length == 5 && conv1[0] > 0)
            vae = vae with { Dim = (int)conv1[0] };
        string? problem = CompareKeys(shapes, ExpectedKeys(() => new WanVae(vae, torch.META)));
        return problem is null
            ? new InspectItem(file, "ok", summary + (vae.Dim == WanVaeConfig.Wan21.Dim ? " match the Wan2.1 VAE" : $" match the Wan2.1 VAE structure at dim {vae.Dim}"))
            : new InspectItem(file, "invalid", $"{summary}: {problem}");
    }

    private static readonly string[] TokenizerFiles = ["spiece.model", "tokenizer.json", "tokenizer_config.json"];

    private static InspectItem InspectTokenizer(string root)
    {
        string path = Path.Combine(root, TokenizerFolder);
        if (!Directory.Exists(path)) return new InspectItem(TokenizerFolder, "missing", "absent");
        var found = TokenizerFiles.Where(f => File.Exists(Path.Combine(path, f))).ToList();
        return found.Contains("spiece.model") || found.Contains("tokenizer.json")
            ? new InspectItem(TokenizerFolder, "ok", string.Join(", ", found))
            : new InspectItem(TokenizerFolder, "invalid", "holds neither spiece.model nor tokenizer.json");
    }

    internal static Dictionary<string, long[]> ExpectedKeys(Func<torch.nn.Module> build)
    {
        using var model = build();
        return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape, StringComparer.Ordinal);
    }

    /// <summary>Null when equal; else a one-line summary naming up to three keys per kind.</summary>
    internal static string? CompareKeys(Dictionary<string, long[]> file, Dictionary<string, long[]> model)
    {
        var missing = model.Keys.Where(k => !file.ContainsKey(k)).ToList();
        var unexpected = file.Keys.Where(k => !model.ContainsKey(k)).ToList();
        var wrong = model.Where(kv => file.TryGetValue(kv.Key, out var s) && !s.SequenceEqual(kv.Value))
            .Select(kv => $"{kv.Key} [{string.Join(",", file[kv.Key])}] vs [{string.Join(",", kv.Value)}]").ToList();
        if (missing.Count + unexpected.Count + wrong.Count == 0) return null;
        static string Few(List<string> l) => string.Join(", ", l.Take(3)) + (l.Count > 3 ? $", … ({l.Count})" : "");
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"missing keys {Few(missing)}");
        if (unexpected.Count > 0) parts.Add($"unexpected keys {Few(unexpected)}");
        if (wrong.Count > 0) parts.Add($"wrong shapes {Few(wrong)}");
        return string.Join("; ", parts);
    }

    internal static string OneLine(string s) => s.Replace("\r", " ").Replace("\n", " ");
}
