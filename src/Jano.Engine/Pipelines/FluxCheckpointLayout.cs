using System.Text.Json;
using Jano.Core;
using Jano.Core.Weights;
using Jano.Engine.Pipelines.Flux;
using Jano.Models.Flux;
using Jano.Models.Flux.Autoencoder;
using Jano.Models.Flux.TextEncoders;
using Jano.Models.Wan.TextEncoder;

namespace Jano.Engine.Pipelines;

/// <summary>
/// Where a FLUX.1 folder keeps each part, and how its tensor names map onto the ports' (official) names. Two layouts:
/// <list type="bullet">
/// <item><b>official</b> (the black-forest-labs release files plus the text encoders the official code downloads):
/// <c>flux1-dev.safetensors</c> or <c>flux1-schnell.safetensors</c> (names as loaded; config from an optional
/// <c>config.json</c> with <see cref="FluxConfig"/>'s <c>FluxParams</c> fields, else inferred from the tensor shapes),
/// <c>ae.safetensors</c> (config inferred from shapes), <c>openai/clip-vit-large-patch14/</c> (Hugging Face CLIPModel or
/// CLIPTextModel: <c>config.json</c>, <c>model.safetensors</c>, <c>vocab.json</c>, <c>merges.txt</c>; vision tower and
/// projections skipped) and <c>google/t5-v1_1-xxl/</c> (<c>config.json</c>, <c>model*.safetensors</c> or
/// <c>pytorch_model*.bin</c>, single or sharded with an index; decoder and LM head skipped; <c>spiece.model</c>);</item>
/// <item><b>diffusers</b> (<c>model_index.json</c> present): <c>transformer/</c> (<c>config.json</c>,
/// <c>diffusion_pytorch_model*.safetensors</c>, mapped by <see cref="FluxDiffusersKeys"/>), <c>vae/</c> (AutoencoderKL,
/// <see cref="FluxVaeDiffusersKeys"/>), <c>text_encoder/</c> (CLIPTextModel), <c>text_encoder_2/</c> (T5EncoderModel,
/// <see cref="T5HfKeys"/>), <c>tokenizer/</c> (<c>vocab.json</c>, <c>merges.txt</c>, <c>tokenizer_config.json</c>),
/// <c>tokenizer_2/spiece.model</c>.</item>
/// </list>
/// Every <c>*.safetensors.index.json</c> is read for its shard list. Loading is strict: a missing, unexpected or
/// wrong-shape tensor fails with one <see cref="WeightFileException"/> before anything is copied.
/// </summary>
public sealed class FluxCheckpointLayout
{
    /// <summary>The file that marks a Diffusers folder.</summary>
    public const string ModelIndex = "model_index.json";

    /// <summary>Official layout: the CLIP folder, as the official code names the Hugging Face repository.</summary>
    public static readonly string OfficialClipFolder = Path.Combine("openai", "clip-vit-large-patch14");

    /// <summary>Official layout: the T5 folder, as the official code names the Hugging Face repository.</summary>
    public static readonly string OfficialT5Folder = Path.Combine("google", "t5-v1_1-xxl");

    private static readonly string[] TransformerFileNames = ["flux1-dev.safetensors", "flux1-schnell.safetensors"];

    private FluxCheckpointLayout(string root, bool diffusers)
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
    public static FluxCheckpointLayout Of(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string root = Path.GetFullPath(folder);
        return new FluxCheckpointLayout(root, File.Exists(Path.Combine(root, ModelIndex)));
    }

    /// <summary>True when <paramref name="folder"/> looks like a FLUX.1 folder: a Diffusers folder whose
    /// <c>model_index.json</c> names a <c>Flux*</c> pipeline class, or an official one holding <c>flux1-dev.safetensors</c>,
    /// <c>flux1-schnell.safetensors</c> or <c>ae.safetensors</c> (so an incomplete FLUX folder gets FLUX's inspect message).</summary>
    public static bool Claims(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string index = Path.Combine(folder, ModelIndex);
        if (File.Exists(index))
        {
            try
            {
                using var doc = JsonDocument.Parse(Jano.Core.IO.SmallFile.ReadText(index));
                return doc.RootElement.ValueKind == JsonValueKind.Object
                       && doc.RootElement.TryGetProperty("_class_name", out var c) && c.ValueKind == JsonValueKind.String
                       && (c.GetString() ?? "").StartsWith("Flux", StringComparison.Ordinal);
            }
            catch (Exception e) when (e is JsonException or InvalidDataException)
            {
                // an unreadable index: FLUX's when the folder has FLUX's second text encoder (Wan has one)
                return Directory.Exists(Path.Combine(folder, "text_encoder_2")) || Directory.Exists(Path.Combine(folder, "tokenizer_2"));
            }
        }
        return TransformerFileNames.Append("ae.safetensors").Any(n => File.Exists(Path.Combine(folder, n)));
    }

    /// <summary>The official transformer file names (<c>flux1-dev.safetensors</c>, <c>flux1-schnell.safetensors</c>).</summary>
    public static IReadOnlyList<string> OfficialTransformerFiles => TransformerFileNames;

    // ----- transformer -------------------------------------------------------------------------------------------------

    /// <summary>The transformer's weight files (shards resolved).</summary>
    public IReadOnlyList<string> TransformerFiles
    {
        get
        {
            if (IsDiffusers) return WeightFiles(Path.Combine(Root, "transformer"), "diffusion_pytorch_model");
            var present = TransformerFileNames.Select(n => Path.Combine(Root, n)).Where(File.Exists).ToList();
            return present.Count switch
            {
                1 => present,
                0 => throw new FileNotFoundException($"{Root}: no {string.Join(" or ", TransformerFileNames)}"),
                _ => throw new InvalidDataException($"{Root}: both {string.Join(" and ", TransformerFileNames)}; keep one"),
            };
        }
    }

    /// <summary>The transformer config: Diffusers <c>transformer/config.json</c>; official <c>config.json</c> when present,
    /// else inferred from the checkpoint's shapes (<see cref="FluxConfig.FromCheckpointShapes"/>).</summary>
    public FluxConfig ReadTransformerConfig()
    {
        if (IsDiffusers) return ReadConfig(Path.Combine(Root, "transformer", "config.json"), FluxDiffusersConfig.Parse, FluxConfigLimits.Check);
        string path = Path.Combine(Root, "config.json");
        if (File.Exists(path))
            return ReadConfig(path, text => ConfigJson.Deserialize<FluxConfig>(text, path), c => { FluxConfigLimits.Check(c); c.Validate(); });
        var files = TransformerFiles;
        return Checked(string.Join(", ", files), () => FluxConfig.FromCheckpointShapes(Shapes(files)), FluxConfigLimits.Check);
    }

    /// <summary>Loads the transformer's weights into <paramref name="model"/> (strict).</summary>
    public WeightLoadReport LoadTransformer(FluxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return IsDiffusers
            ? MappedWeightLoader.LoadInto(model, TransformerFiles, FluxDiffusersKeys.Transformer(model.Config))
            : WeightLoader.LoadInto(model, TransformerFiles);
    }

    // ----- VAE ---------------------------------------------------------------------------------------------------------

    /// <summary>The VAE's weight files.</summary>
    public IReadOnlyList<string> VaeFiles => IsDiffusers
        ? WeightFiles(Path.Combine(Root, "vae"), "diffusion_pytorch_model")
        : [Existing(Path.Combine(Root, "ae.safetensors"))];

    /// <summary>The VAE config: Diffusers <c>vae/config.json</c>, or inferred from <c>ae.safetensors</c>' shapes.</summary>
    public FluxVaeConfig ReadVaeConfig()
    {
        if (IsDiffusers) return ReadConfig(Path.Combine(Root, "vae", "config.json"), FluxVaeDiffusersKeys.ParseConfig, FluxConfigLimits.Check);
        var files = VaeFiles;
        return Checked(string.Join(", ", files), () => FluxVaeConfig.FromCheckpointShapes(Shapes(files)), FluxConfigLimits.Check);
    }

    /// <summary>Loads the VAE's weights into <paramref name="vae"/> (strict).</summary>
    public WeightLoadReport LoadVae(FluxAutoEncoder vae)
    {
        ArgumentNullException.ThrowIfNull(vae);
        return IsDiffusers
            ? MappedWeightLoader.LoadInto(vae, VaeFiles, FluxVaeDiffusersKeys.All(vae.Config))
            : WeightLoader.LoadInto(vae, VaeFiles);
    }

    // ----- CLIP --------------------------------------------------------------------------------------------------------

    /// <summary>The CLIP text model's folder (config and weights).</summary>
    public string ClipFolder => IsDiffusers ? Path.Combine(Root, "text_encoder") : Path.Combine(Root, OfficialClipFolder);

    /// <summary>The CLIP tokenizer's folder (<c>vocab.json</c>, <c>merges.txt</c>).</summary>
    public string ClipTokenizerFolder => IsDiffusers ? Path.Combine(Root, "tokenizer") : Path.Combine(Root, OfficialClipFolder);

    public ClipTextConfig ReadClipConfig() => ReadConfig(Path.Combine(ClipFolder, "config.json"), ClipTextConfig.Parse, FluxConfigLimits.Check);

    /// <summary>Loads the CLIP text weights (Hugging Face names, as the model's); a CLIPModel's vision tower, projections,
    /// logit scale and position-id buffers are skipped.</summary>
    public WeightLoadReport LoadClip(ClipTextModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return WeightLoader.LoadInto(model, WeightFiles(ClipFolder, "model", "pytorch_model"), skip: SkipClip);
    }

    /// <summary>The CLIP tokenizer (77 ids per row).</summary>
    public ClipTokenizer LoadClipTokenizer() => ClipTokenizer.Load(ClipTokenizerFolder);

    /// <summary>CLIP tensor names that are not the text model's (vision tower, projections, logit scale, position ids).</summary>
    public static bool SkipClip(string name) =>
        name.StartsWith("vision_model.", StringComparison.Ordinal) || name is "visual_projection.weight" or "text_projection.weight" or "logit_scale"
        || name.EndsWith(".position_ids", StringComparison.Ordinal);

    // ----- T5 ----------------------------------------------------------------------------------------------------------

    /// <summary>The T5 encoder's folder (config and weights).</summary>
    public string T5Folder => IsDiffusers ? Path.Combine(Root, "text_encoder_2") : Path.Combine(Root, OfficialT5Folder);

    /// <summary>The SentencePiece model.</summary>
    public string T5TokenizerModel => IsDiffusers ? Path.Combine(Root, "tokenizer_2", "spiece.model") : Path.Combine(Root, OfficialT5Folder, "spiece.model");

    public UmT5Config ReadT5Config() => ReadConfig(Path.Combine(T5Folder, "config.json"), T5EncoderConfig.Parse, c => c.Validate());

    /// <summary>Loads the T5 encoder's weights (Hugging Face names renamed by <see cref="T5HfKeys"/>; a full
    /// T5ForConditionalGeneration's decoder and LM head skipped).</summary>
    public WeightLoadReport LoadT5(UmT5Encoder model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var files = WeightFiles(T5Folder, "model", "pytorch_model");
        var names = new List<string>();
        foreach (var f in files)
        {
            using var file = WeightLoader.OpenTensorFile(f);
            names.AddRange(file.Entries.Select(e => e.Name));
        }
        return WeightLoader.LoadInto(model, files, T5HfKeys.ToOfficial, T5HfKeys.Skip(names));
    }

    /// <summary>The T5 tokenizer with rows of <paramref name="maxLength"/> ids (512 for dev, 256 for schnell).</summary>
    public T5Tokenizer LoadT5Tokenizer(int maxLength) => T5Tokenizer.Load(Existing(T5TokenizerModel), maxLength);

    // ----- files -------------------------------------------------------------------------------------------------------

    /// <summary>The first stem with weights in <paramref name="folder"/>: its shards (from "<c>stem.safetensors.index.json</c>"
    /// or "<c>stem.bin.index.json</c>", sorted, distinct) or its single "<c>stem.safetensors</c>" / "<c>stem.bin</c>".</summary>
    internal static IReadOnlyList<string> WeightFiles(string folder, params string[] stems)
    {
        foreach (var stem in stems)
        foreach (var ext in new[] { ".safetensors", ".bin" })
        {
            string index = Path.Combine(folder, stem + ext + ".index.json");
            if (File.Exists(index))
                return ShardIndex.Read(index).Select(e => e.Shard).Distinct().Order(StringComparer.Ordinal).ToArray();
            string single = Path.Combine(folder, stem + ext);
            if (File.Exists(single)) return [single];
        }
        throw new FileNotFoundException($"{folder}: no {string.Join(" or ", stems.Select(s => s + ".safetensors"))} (single or sharded with an index)");
    }

    // A config file read with the small-file cap, parsed and bounds-checked; every failure is an InvalidDataException whose one
    // line starts with the file.
    private static T ReadConfig<T>(string path, Func<string, T> parse, Action<T> check) =>
        Checked(path, () => parse(Jano.Core.IO.SmallFile.ReadText(path)), check);

    private static T Checked<T>(string source, Func<T> read, Action<T> check)
    {
        try
        {
            var value = read();
            check(value);
            return value;
        }
        catch (InvalidDataException e) when (e.Message.StartsWith(source, StringComparison.Ordinal))
        {
            throw;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException or InvalidDataException
                                      or KeyNotFoundException)
        {
            string message = e is JsonException j ? ConfigJson.Describe(j, typeof(T)) : ErrorText.WithoutTypeNames(e.Message);
            throw new InvalidDataException($"{source}: {ErrorText.OneLine(message)}", e);
        }
    }

    private static string Existing(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"FLUX file not found: {path}", path);

    private static Dictionary<string, long[]> Shapes(IReadOnlyList<string> files)
    {
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var f in files)
        {
            using var file = WeightLoader.OpenTensorFile(f);
            foreach (var e in file.Entries) shapes[e.Name] = e.Shape;
        }
        return shapes;
    }
}
