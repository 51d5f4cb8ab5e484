using Jano.Core;
using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using Jano.Core.Weights;
using Jano.Engine.Output;
using Jano.Models.Wan;
using Jano.Models.Wan.TextEncoder;
using Jano.Models.Wan.Vae;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Engine.Pipelines.Wan;

/// <summary>
/// Wan2.1 text-to-video from a folder laid out like the official release (<c>config.json</c>,
/// <c>diffusion_pytorch_model*.safetensors</c>, <c>models_t5_umt5-xxl-enc-bf16.pth</c>, <c>Wan2.1_VAE.pth</c>,
/// <c>google/umt5-xxl/spiece.model</c>) or like a Diffusers folder (see <see cref="WanCheckpointLayout"/>), in the order that
/// keeps memory bounded: <see cref="EncodeConditions"/> builds the umT5 encoder once for all its prompts, keeps only the
/// trimmed embeddings and frees the encoder; the first <see cref="FlowMatchingPipeline.Denoise"/> then builds the DiT
/// (<see cref="LoadTransformer"/>); <see cref="Decode"/> builds the VAE on the CPU and frees it afterwards. Branches run one
/// forward each by default, as Wan does. The umT5 and VAE configurations are read from the checkpoints' shapes, so smaller
/// test checkpoints work too.
/// </summary>
public sealed class WanPipeline : FlowMatchingPipeline
{
    /// <summary>Wan's default negative prompt (<c>wan_shared_cfg.sample_neg_prompt</c>).</summary>
    public const string DefaultNegativePrompt =
        "色调艳丽，过曝，静态，细节模糊不清，字幕，风格，作品，画作，画面，静止，整体发灰，最差质量，低质量，JPEG压缩残留，丑陋的，残缺的，多余的手指，画得不好的手部，画得不好的脸部，畸形的，毁容的，形态畸形的肢体，手指融合，静止不动的画面，杂乱的背景，三条腿，背景人很多，倒着走";

    private readonly WanCheckpointLayout _layout;
    private WanModel? _model;

    /// <summary>Prepares a pipeline on <paramref name="folder"/> (reads <c>config.json</c>); nothing is loaded yet.</summary>
    public WanPipeline(string folder, Device device, ScalarType dtype, ModelDefaults defaults) : base(defaults, device, dtype)
    {
        _layout = WanCheckpointLayout.Of(folder);
        Config = _layout.ReadConfig();
    }

    protected override DiffusionCondition ToCondition(Tensor context, EncodedCondition condition, GenerationSettings settings) => DiffusionCondition.ForText(context);

    public override string Family => "wan2.1";

    /// <summary>The folder (full path).</summary>
    public override string WeightsSource => _layout.Root;

    /// <summary>The folder's layout (official or Diffusers).</summary>
    public WanCheckpointLayout Layout => _layout;

    /// <summary>The DiT configuration from <c>config.json</c>.</summary>
    public WanConfig Config { get; }

    /// <summary>The loaded DiT; null before the first denoising run (or <see cref="LoadTransformer"/>).</summary>
    public WanModel? Model => _model;

    /// <summary>Paths of the DiT weight files (single file or the shards named by the index).</summary>
    public IReadOnlyList<string> TransformerFiles => _layout.TransformerFiles;

    public override int OutputChannels => 3;

    /// <summary>Null: the VAE decodes latent frame 0 to one frame and every later latent frame to four.</summary>
    public override (int T, int H, int W)? PixelsPerToken => null;

    protected override long[] LatentShape(int width, int height, int frames) => LatentShape(Config, width, height, frames);

    protected override void CheckPrompt(string prompt, string? negativePrompt)
    {
    }

    public override TransformerDescriptor Describe(GenerationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (_model is not null) return _model.Describe(settings.LatentShape);
        using var meta = new WanModel(Config, META);
        return meta.Describe(settings.LatentShape);
    }

    // Pads the shorter text embedding with zero rows (as the model pads both to text_len) so both branches form one batch.
    protected override Tensor BatchContexts(Tensor cond, Tensor uncond)
    {
        long l = Math.Max(cond.shape[1], uncond.shape[1]);
        using var scope = NewDisposeScope();
        Tensor Pad(Tensor c) => c.shape[1] == l ? c.alias()
            : torch.cat([c, torch.zeros([1, l - c.shape[1], c.shape[2]], dtype: c.dtype, device: c.device)], 1); // [1, l, D]
        return torch.cat([Pad(cond), Pad(uncond)], 0).MoveToOuterDisposeScope();                                 // [2, l, D]
    }

    /// <summary>Latent [16, 1 + (frames − 1)/4, H/8, W/8] for a <paramref name="width"/>x<paramref name="height"/> clip of
    /// <paramref name="frames"/> frames; throws <see cref="UsageException"/> with one line when the size does not fit.</summary>
    public static long[] LatentShape(WanConfig config, int width, int height, int frames)
    {
        if (frames < 1 || (frames - 1) % 4 != 0) throw new UsageException($"--frames ({frames}) must be 4k+1 (1, 5, 9, …, 81)");
        int unitH = 8 * config.PatchSize[1], unitW = 8 * config.PatchSize[2];
        if (width < unitW || height < unitH || width % unitW != 0 || height % unitH != 0)
            throw new UsageException($"--size {width}x{height} must be a positive multiple of {unitW}x{unitH} (VAE stride 8 x patch)");
        long t = 1 + (frames - 1) / 4;
        if (t % config.PatchSize[0] != 0) throw new UsageException($"--frames ({frames}) gives {t} latent frames, not a multiple of the patch");
        return [config.InDim, t, height / 8, width / 8];
    }

    /// <summary>umT5 configuration read from the encoder checkpoint's tensor shapes (heads from the relative-position table).</summary>
    public static UmT5Config TextEncoderConfig(ITensorFile file) => TextEncoderConfig(file.Entries.ToDictionary(e => e.Name, e => e.Shape, StringComparer.Ordinal));

    /// <summary>umT5 configuration from the shapes of all <paramref name="files"/>, names mapped by <paramref name="rename"/>.</summary>
    public static UmT5Config TextEncoderConfig(IReadOnlyList<string> files, Func<string, string>? rename, Func<string, bool>? skip)
    {
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var path in files)
        {
            using var file = WeightLoader.OpenTensorFile(path);
            foreach (var e in file.Entries)
                if (skip is null || !skip(e.Name)) shapes[rename is null ? e.Name : rename(e.Name)] = e.Shape;
        }
        return TextEncoderConfig(shapes);
    }

    private static List<string> AllNames(IReadOnlyList<string> files)
    {
        var names = new List<string>();
        foreach (var path in files)
        {
            using var file = WeightLoader.OpenTensorFile(path);
            names.AddRange(file.Entries.Select(e => e.Name));
        }
        return names;
    }

    private static UmT5Config TextEncoderConfig(Dictionary<string, long[]> shapes)
    {
        long[] Shape(string key) => shapes.TryGetValue(key, out var s) ? s : throw new InvalidDataException($"text encoder checkpoint has no '{key}'");
        var emb = Shape("token_embedding.weight");
        var q = Shape("blocks.0.attn.q.weight");
        var ffn = Shape("blocks.0.ffn.fc1.weight");
        var pos = Shape("blocks.0.pos_embedding.embedding.weight");
        int layers = 0;
        while (shapes.ContainsKey($"blocks.{layers}.norm1.weight")) layers++;
        return UmT5Config.Xxl with
        {
            Vocab = (int)emb[0], Dim = (int)emb[1], DimAttn = (int)q[0], DimFfn = (int)ffn[0],
            NumHeads = (int)pos[1], NumBuckets = (int)pos[0], NumLayers = layers, SharedPos = false,
        };
    }

    /// <summary>Encodes each request's prompt and negative prompt (a batch of 2, as before) with the umT5 encoder, built
    /// once in <see cref="FlowMatchingPipeline.DType"/> from the folder and freed before returning. Each condition holds the
    /// trimmed embeddings [1, L_i, dim].</summary>
    public override IReadOnlyList<EncodedCondition> EncodeConditions(IReadOnlyList<GenerationSettings> settings,
        IProgress<GenerationProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        progress?.Report(new GenerationProgress { Stage = GenerationStage.Encode });
        var t5Files = _layout.TextEncoderFiles;
        var skip = _layout.TextEncoderSkip(AllNames(t5Files));
        var cfg = TextEncoderConfig(t5Files, _layout.TextEncoderRename, skip);
        var tokenizer = UmT5Tokenizer.Load(_layout.TokenizerModel, Config.TextLen);
        var list = new List<EncodedCondition>(settings.Count);
        try
        {
            using (no_grad())
            {
                var encoder = new UmT5Encoder(cfg, Device, DType);
                try
                {
                    WeightLoader.LoadInto(encoder, t5Files, _layout.TextEncoderRename, skip);
                    encoder.eval();
                    foreach (var s in settings)
                    {
                        cancel.ThrowIfCancellationRequested();
                        list.Add(Encode(encoder, tokenizer, s.Prompt, s.NegativePrompt ?? DefaultNegativePrompt, s.NegativePrompt));
                    }
                }
                finally
                {
                    encoder.Dispose();
                }
            }
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return list;
        }
        catch
        {
            foreach (var c in list) c.Dispose();
            throw;
        }
    }

    // [prompt, negative] through the encoder as one batch → trimmed embeddings [1, L_i, dim] each.
    private static EncodedCondition Encode(UmT5Encoder encoder, UmT5Tokenizer tokenizer, string prompt, string negative, string? recorded)
    {
        Tensor[] trimmed;
        var (ids, mask) = tokenizer.EncodeBatch([prompt, negative]);
        using (ids)
        using (mask)
            trimmed = encoder.EncodeTrimmed(ids, mask);
        var cond = trimmed[0].unsqueeze(0);
        var uncond = trimmed[1].unsqueeze(0);
        trimmed[0].Dispose();
        trimmed[1].Dispose();
        return new EncodedCondition(prompt, recorded, cond, uncond);
    }

    /// <summary>Builds the DiT and loads its weights strictly (the first denoising run calls it, after <see cref="EncodeConditions"/> freed the encoder).</summary>
    public WanModel LoadTransformer()
    {
        return _model ??= LoadModel(() => new WanModel(Config, Device, DType),
            m => WeightLoader.LoadInto(m, TransformerFiles, _layout.TransformerRename));
    }

    protected override IDiffusionTransformer Transformer(IProgress<GenerationProgress>? progress)
    {
        if (_model is not null) return _model;
        progress?.Report(new GenerationProgress { Stage = GenerationStage.Load });
        return LoadTransformer();
    }

    /// <summary>Decodes a latent [16, T, H, W] with the folder's VAE (fp32, built on the CPU, freed afterwards) into a
    /// clip [3, 1 + 4(T − 1), 8H, 8W] in [−1, 1].</summary>
    public override Tensor Decode(Tensor latent, IProgress<GenerationProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(latent);
        progress?.Report(new GenerationProgress { Stage = GenerationStage.Decode });
        string path = _layout.VaePath;
        var rename = _layout.VaeRename;
        WanVaeConfig cfg;
        using (var file = WeightLoader.OpenTensorFile(path)) cfg = VaeConfig(file, rename);
        using var vae = new WanVae(cfg, CPU, ScalarType.Float32);
        WeightLoader.LoadInto(vae, [path], rename);
        vae.eval();
        using var noGrad = no_grad();
        using var cpu = latent.to(ScalarType.Float32, CPU);
        using var z = cpu.unsqueeze(0);                                         // [1, 16, T, H, W]
        using var video = vae.Decode(z);
        return video.squeeze(0).clone();
    }

    /// <summary>A linear latent → RGB projection (<see cref="WanLatentRgb"/>), one picture per latent frame (the first video
    /// frame, then four each) at the latent's resolution (1/8 of the video's): the VAE is far too large to run every few
    /// steps.</summary>
    public override Frame8 Preview(Tensor x0)
    {
        using var rgb = WanLatentRgb.Projection.Project(x0);                  // [3, T, H, W]
        return PreviewImage.Montage(rgb);
    }

    /// <summary>The released VAE structure with the base width read from <c>encoder.conv1.weight</c>.</summary>
    public static WanVaeConfig VaeConfig(ITensorFile file, Func<string, string>? rename = null)
    {
        var conv = file.Entries.FirstOrDefault(e => (rename is null ? e.Name : rename(e.Name)) == "encoder.conv1.weight")
                   ?? throw new InvalidDataException("VAE checkpoint has no 'encoder.conv1.weight'");
        return WanVaeConfig.Wan21 with { Dim = (int)conv.Shape[0] };
    }

    /// <summary>Frees the DiT.</summary>
    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        _model?.Dispose();
        _model = null;
    }
}
