using System.Text.Json;
using Jano.Models.Wan;
using Jano.Models.Wan.TextEncoder;
using Jano.Models.Wan.Vae;

namespace Jano.Engine.Pipelines;

/// <summary>
/// Where a Wan2.1-T2V folder keeps each part, and how its tensor names map to the model's. Two layouts:
/// <list type="bullet">
/// <item><b>official</b> (the Wan-AI release): <c>config.json</c>, <c>diffusion_pytorch_model*.safetensors</c>,
/// <c>models_t5_umt5-xxl-enc-bf16.pth</c>, <c>Wan2.1_VAE.pth</c>, <c>google/umt5-xxl/spiece.model</c>; names as loaded;</item>
/// <item><b>diffusers</b> (<c>model_index.json</c> present): <c>transformer/</c> (config + <c>diffusion_pytorch_model*.safetensors</c>,
/// renamed by <see cref="WanDiffusersKeys"/>), <c>text_encoder/</c> (<c>model*.safetensors</c>, renamed by
/// <see cref="UmT5HfKeys"/>), <c>tokenizer/spiece.model</c>, <c>vae/diffusion_pytorch_model.safetensors</c> (<c>AutoencoderKLWan</c>,
/// renamed by <see cref="WanVaeDiffusersKeys"/>) unless an official <c>Wan2.1_VAE.pth</c> sits in <c>vae/</c> or the folder.</item>
/// </list>
/// </summary>
public sealed class WanCheckpointLayout
{
    /// <summary>The file that marks a Diffusers folder.</summary>
    public const string ModelIndex = "model_index.json";

    private WanCheckpointLayout(string root, bool diffusers)
    {
        Root = root;
        IsDiffusers = diffusers;
    }

    /// <summary>The folder (full path).</summary>
    public string Root { get; }

    /// <summary>True for the Diffusers layout.</summary>
    public bool IsDiffusers { get; }

    /// <summary>"official" or "diffusers".</summary>
    public string Name => IsDiffusers ? "diffusers" : "official";

    /// <summary>The layout of <paramref name="folder"/>: Diffusers when it holds <c>model_index.json</c>.</summary>
    public static WanCheckpointLayout Of(string folder)
    {
        string root = Path.GetFullPath(folder);
        return new WanCheckpointLayout(root, File.Exists(Path.Combine(root, ModelIndex)));
    }

    /// <summary>Folder of the DiT's weights and config.</summary>
    public string TransformerFolder => IsDiffusers ? Path.Combine(Root, "transformer") : Root;

    /// <summary>The DiT config file.</summary>
    public string ConfigPath => Path.Combine(TransformerFolder, "config.json");

    /// <summary>The DiT config: the official JSON, or the Diffusers one converted by <see cref="WanDiffusersConfig"/>.</summary>
    public WanConfig ReadConfig()
    {
        string text = File.ReadAllText(ConfigPath);
        if (IsDiffusers) return WanDiffusersConfig.Parse(text);
        var cfg = JsonSerializer.Deserialize<WanConfig>(text) ?? throw new InvalidDataException($"{ConfigPath}: empty config.json");
        cfg.Validate();
        return cfg;
    }

    /// <summary>The DiT weight files: the single file, or every shard the index names (sorted).</summary>
    public IReadOnlyList<string> TransformerFiles => WeightFiles(TransformerFolder, "diffusion_pytorch_model");

    /// <summary>Renames the DiT's tensor names (null: as stored).</summary>
    public Func<string, string>? TransformerRename => IsDiffusers ? WanDiffusersKeys.ToOfficial : null;

    /// <summary>The text encoder's weight files.</summary>
    public IReadOnlyList<string> TextEncoderFiles => IsDiffusers
        ? WeightFiles(Path.Combine(Root, "text_encoder"), "model")
        : [Path.Combine(Root, "models_t5_umt5-xxl-enc-bf16.pth")];

    /// <summary>Renames the text encoder's tensor names (null: as stored).</summary>
    public Func<string, string>? TextEncoderRename => IsDiffusers ? UmT5HfKeys.ToOfficial : null;

    /// <summary>Tensor names of the text encoder files to leave out (the tied embedding copy when <c>shared.weight</c> exists).</summary>
    public Func<string, bool>? TextEncoderSkip(IEnumerable<string> names)
    {
        if (!IsDiffusers) return null;
        bool shared = names.Contains("shared.weight");
        return n => shared && n == UmT5HfKeys.TiedEmbedding;
    }

    /// <summary>The SentencePiece model.</summary>
    public string TokenizerModel => IsDiffusers
        ? Path.Combine(Root, "tokenizer", "spiece.model")
        : Path.Combine(Root, "google", "umt5-xxl", "spiece.model");

    /// <summary>The VAE checkpoint: official <c>Wan2.1_VAE.pth</c>; Diffusers folders: <c>vae/Wan2.1_VAE.pth</c> or
    /// <c>Wan2.1_VAE.pth</c> when present, else <c>vae/diffusion_pytorch_model.safetensors</c>.</summary>
    public string VaePath
    {
        get
        {
            string official = Path.Combine(Root, "Wan2.1_VAE.pth");
            if (!IsDiffusers) return official;
            string inVae = Path.Combine(Root, "vae", "Wan2.1_VAE.pth");
            if (File.Exists(inVae)) return inVae;
            return File.Exists(official) ? official : Path.Combine(Root, "vae", "diffusion_pytorch_model.safetensors");
        }
    }

    /// <summary>Renames the VAE's tensor names (null: official names, as stored).</summary>
    public Func<string, string>? VaeRename =>
        VaePath.EndsWith(".safetensors", StringComparison.Ordinal) ? WanVaeDiffusersKeys.ToOfficial : null;

    // "<stem>.safetensors", or the shards of "<stem>.safetensors.index.json" (sorted, distinct).
    private static string[] WeightFiles(string folder, string stem)
    {
        string index = Path.Combine(folder, stem + ".safetensors.index.json");
        if (!File.Exists(index)) return [Path.Combine(folder, stem + ".safetensors")];
        using var doc = JsonDocument.Parse(File.ReadAllText(index));
        return doc.RootElement.GetProperty("weight_map").EnumerateObject()
            .Select(p => p.Value.GetString() ?? "").Distinct().Order(StringComparer.Ordinal)
            .Select(f => Path.Combine(folder, f)).ToArray();
    }
}
