using Jano.Core;
using Jano.Core.Acceleration;
using Jano.Core.Sampling;
using Jano.Core.Weights;
using Jano.Models.Wan;
using Jano.Models.Wan.TextEncoder;
using Jano.Models.Wan.Vae;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Engine.Pipelines;

/// <summary>
/// Wan2.1 text-to-video from a folder laid out like the official release (<c>config.json</c>,
/// <c>diffusion_pytorch_model*.safetensors</c>, <c>models_t5_umt5-xxl-enc-bf16.pth</c>, <c>Wan2.1_VAE.pth</c>,
/// <c>google/umt5-xxl/spiece.model</c>) or like a Diffusers folder (see <see cref="WanCheckpointLayout"/>), in the order that keeps memory bounded: <see cref="EncodePrompts"/> builds the
/// umT5 encoder, keeps only the trimmed embeddings and frees the encoder; <see cref="LoadTransformer"/> then builds the
/// DiT; <see cref="Generate"/> runs the denoising loop (UniPC or Euler, classifier-free guidance with one forward per
/// branch as Wan does, accelerator hooks per branch row); <see cref="Decode"/> runs the VAE.
/// The umT5 and VAE configurations are read from the checkpoints' shapes, so smaller test checkpoints work too.
/// </summary>
public sealed class WanPipeline : IDisposable
{
    /// <summary>Wan's default negative prompt (<c>wan_shared_cfg.sample_neg_prompt</c>).</summary>
    public const string DefaultNegativePrompt =
        "色调艳丽，过曝，静态，细节模糊不清，字幕，风格，作品，画作，画面，静止，整体发灰，最差质量，低质量，JPEG压缩残留，丑陋的，残缺的，多余的手指，画得不好的手部，画得不好的脸部，畸形的，毁容的，形态畸形的肢体，手指融合，静止不动的画面，杂乱的背景，三条腿，背景人很多，倒着走";

    private readonly WanCheckpointLayout _layout;
    private WanModel? _model;

    /// <summary>Prepares a pipeline on <paramref name="folder"/>; nothing is loaded yet.</summary>
    public WanPipeline(string folder, Device device, ScalarType dtype)
    {
        _layout = WanCheckpointLayout.Of(folder);
        Device = device;
        DType = dtype;
        Config = _layout.ReadConfig();
    }

    /// <summary>The folder's layout (official or Diffusers).</summary>
    public WanCheckpointLayout Layout => _layout;

    /// <summary>The DiT configuration from <c>config.json</c>.</summary>
    public WanConfig Config { get; }

    /// <summary>Device of the DiT and the encoder.</summary>
    public Device Device { get; }

    /// <summary>Dtype of the DiT and the text encoder (the VAE runs in fp32).</summary>
    public ScalarType DType { get; }

    /// <summary>The loaded DiT; null before <see cref="LoadTransformer"/>.</summary>
    public WanModel? Model => _model;

    /// <summary>Paths of the DiT weight files (single file or the shards named by the index).</summary>
    public IReadOnlyList<string> TransformerFiles => _layout.TransformerFiles;

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

    /// <summary>Encodes the prompt and the negative prompt with the umT5 encoder (built in <see cref="DType"/>, loaded from
    /// the folder) and frees the encoder before returning. Returns each trimmed embedding as [1, L_i, dim] in <see cref="DType"/>.</summary>
    public (Tensor Cond, Tensor Uncond) EncodePrompts(string prompt, string negativePrompt)
    {
        var t5Files = _layout.TextEncoderFiles;
        var skip = _layout.TextEncoderSkip(AllNames(t5Files));
        var cfg = TextEncoderConfig(t5Files, _layout.TextEncoderRename, skip);
        var tokenizer = UmT5Tokenizer.Load(_layout.TokenizerModel, Config.TextLen);
        Tensor[] trimmed;
        using (no_grad())
        {
            var encoder = new UmT5Encoder(cfg, Device, DType);
            try
            {
                WeightLoader.LoadInto(encoder, t5Files, _layout.TextEncoderRename, skip);
                encoder.eval();
                var (ids, mask) = tokenizer.EncodeBatch([prompt, negativePrompt]);
                using (ids)
                using (mask)
                    trimmed = encoder.EncodeTrimmed(ids, mask);
            }
            finally
            {
                encoder.Dispose();
            }
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var cond = trimmed[0].unsqueeze(0);
        var uncond = trimmed[1].unsqueeze(0);
        trimmed[0].Dispose();
        trimmed[1].Dispose();
        return (cond, uncond);
    }

    /// <summary>Builds the DiT and loads its weights strictly (call after <see cref="EncodePrompts"/>, which freed the encoder).</summary>
    public WanModel LoadTransformer()
    {
        if (_model is not null) return _model;
        var model = new WanModel(Config, Device, DType);
        try
        {
            WeightLoader.LoadInto(model, TransformerFiles, _layout.TransformerRename);
            model.eval();
        }
        catch
        {
            model.Dispose();
            throw;
        }
        _model = model;
        return model;
    }

    /// <summary>The denoising loop: seeded fp32 noise, <paramref name="sampler"/> (<c>unipc</c> or <c>euler</c>) with
    /// <see cref="GenerationRequest.Shift"/>, guidance <c>v_u + g·(v_c − v_u)</c> with one forward per branch, one dispose
    /// scope per step. The result's <see cref="GenerationResult.Latent"/> is the final latent [C, T, H, W] (fp32, CPU).</summary>
    public GenerationResult Generate(GenerationRequest request, Tensor cond, Tensor uncond, string sampler, IAccelerator accelerator,
        Action<int, int>? onStep = null, CancellationToken cancel = default)
    {
        var model = _model ?? throw new InvalidOperationException("LoadTransformer must be called before Generate");
        if (request.Steps < 1) throw new ArgumentException("steps must be at least 1");
        using var noGrad = no_grad();
        var descriptor = model.Describe(request.LatentShape);
        using var uni = sampler == "unipc" ? new FlowUniPcSampler(request.Steps, request.Shift) : null;
        var euler = sampler == "euler" ? new FlowMatchEulerSampler(request.Steps, request.Shift) : null;
        if (uni is null && euler is null) throw new ArgumentException($"unknown sampler '{sampler}'; available: unipc, euler");
        double[] sigmas = uni?.Sigmas ?? euler!.Sigmas;
        bool cfg = request.Guidance != 1.0;
        GuidanceBranch[] branches = cfg ? [GuidanceBranch.Cond, GuidanceBranch.Uncond] : [GuidanceBranch.Cond];
        using var c = cond.to(Device);
        using var u = uncond.to(Device);
        using var noise = DenoisingLoop.SeededNoise(request.LatentShape, request.Seed, Device);
        var plan = new GenerationPlan(request.Steps, sigmas, branches, noise);
        return DenoisingLoop.Run(accelerator, descriptor, plan, Device,
            (session, step, x) =>
            {
                double timestep = uni?.Timestep(step.Index) ?? euler!.Timestep(step.Index);
                var vc = Forward(model, session, GuidanceBranch.Cond, x, timestep, c);
                return cfg ? Guide(vc, Forward(model, session, GuidanceBranch.Uncond, x, timestep, u), request.Guidance) : vc;
            },
            (v, i, x) => uni?.Step(v, i, x) ?? euler!.Step(v, i, x), onStep, cancel);
    }

    /// <summary>Decodes a latent [16, T, H, W] with the folder's VAE (fp32, built on the CPU, freed afterwards) into a
    /// clip [3, 1 + 4(T − 1), 8H, 8W] in [−1, 1].</summary>
    public Tensor Decode(Tensor latent)
    {
        string path = _layout.VaePath;
        var rename = _layout.VaeRename;
        WanVaeConfig cfg;
        using (var file = WeightLoader.OpenTensorFile(path)) cfg = VaeConfig(file, rename);
        using var vae = new WanVae(cfg, CPU, ScalarType.Float32);
        WeightLoader.LoadInto(vae, [path], rename);
        vae.eval();
        using var noGrad = no_grad();
        using var z = latent.to(ScalarType.Float32, CPU).unsqueeze(0);
        using var video = vae.Decode(z);
        return video.squeeze(0).clone();
    }

    /// <summary>The released VAE structure with the base width read from <c>encoder.conv1.weight</c>.</summary>
    public static WanVaeConfig VaeConfig(ITensorFile file, Func<string, string>? rename = null)
    {
        var conv = file.Entries.FirstOrDefault(e => (rename is null ? e.Name : rename(e.Name)) == "encoder.conv1.weight")
                   ?? throw new InvalidDataException("VAE checkpoint has no 'encoder.conv1.weight'");
        return WanVaeConfig.Wan21 with { Dim = (int)conv.Shape[0] };
    }

    private static Tensor Forward(WanModel model, IAcceleratorSession session, GuidanceBranch branch, Tensor x, double timestep, Tensor context)
    {
        using var t = full([1], timestep, dtype: ScalarType.Float32, device: model.Device);
        var hooks = session.Hooks([branch]);
        return model.Forward(x.unsqueeze(0), t, context, hooks).to(ScalarType.Float32).squeeze(0);
    }

    private static Tensor Guide(Tensor vc, Tensor vu, double g) => vu.add(vc.sub(vu), alpha: g);

    /// <summary>Frees the DiT.</summary>
    public void Dispose()
    {
        _model?.Dispose();
        _model = null;
    }
}
