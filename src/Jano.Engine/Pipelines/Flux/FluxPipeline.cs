using Jano.Core;
using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using Jano.Core.Sampling;
using Jano.Engine.Output;
using Jano.Models.Flux;
using Jano.Models.Flux.Autoencoder;
using Jano.Models.Flux.TextEncoders;
using Jano.Models.Wan.TextEncoder;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Engine.Pipelines.Flux;

/// <summary>
/// FLUX.1 (dev or schnell) text-to-image from a folder in the official or the Diffusers layout (<see cref="FluxCheckpointLayout"/>),
/// as the official <c>cli.py</c> runs it: the condition is the T5 sequence [1, L, 4096] (L = 512 for dev, 256 for schnell,
/// padded, no attention mask) plus CLIP-L's pooled vector [1, 768]; guidance is embedded in the model (dev: the guidance value
/// goes into <c>vec</c>; no unconditional branch), schnell has none; the schedule is FLUX's resolution-dependent shift
/// (<see cref="ResolutionShiftSchedule"/>, mu from the image token count) for dev and the unshifted linear one for schnell,
/// stepped with the Euler rule; the latent [16, 1, H/8, W/8] is packed 2×2 into H/16 · W/16 image tokens inside the model
/// (<see cref="FluxModel"/>, which also builds the official <c>img_ids</c>); the VAE decodes with scale 0.3611 / shift 0.1159.
/// Memory order as <see cref="Wan.WanPipeline"/>: <see cref="EncodeConditions"/> builds CLIP, then T5, each once for all its
/// prompts and freed before returning; the first denoising run builds the DiT; <see cref="Decode"/> builds the VAE (fp32, CPU)
/// and frees it. Only image tokens are levelled, frozen and cached by an accelerator: the descriptor's token grid is
/// (1, H/16, W/16); text tokens are always computed (the model's seam).
/// </summary>
public sealed class FluxPipeline : FlowMatchingPipeline
{
    private static readonly string[] SamplerNames = [Core.Sampling.Samplers.Euler];

    private readonly FluxCheckpointLayout _layout;
    private FluxModel? _model;

    /// <summary>Prepares a pipeline on <paramref name="folder"/> (reads the transformer and VAE configs); nothing is loaded yet.</summary>
    public FluxPipeline(string folder, Device device, ScalarType dtype, ModelDefaults defaults) : base(defaults, device, dtype)
    {
        _layout = FluxCheckpointLayout.Of(folder);
        Config = _layout.ReadTransformerConfig();
        VaeConfig = _layout.ReadVaeConfig();
        if (VaeConfig.ZChannels != Config.LatentChannels)
            throw new InvalidDataException($"{_layout.Root}: the VAE has {VaeConfig.ZChannels} latent channels, the transformer takes {Config.LatentChannels}");
    }

    /// <summary>Family name (the descriptor's).</summary>
    public const string FamilyName = "flux.1";

    public override string Family => FamilyName;

    /// <summary>The folder (full path).</summary>
    public override string WeightsSource => _layout.Root;

    /// <summary>The folder's layout (official or Diffusers).</summary>
    public FluxCheckpointLayout Layout => _layout;

    /// <summary>The transformer's configuration.</summary>
    public FluxConfig Config { get; }

    /// <summary>The VAE's configuration.</summary>
    public FluxVaeConfig VaeConfig { get; }

    /// <summary>True for a guidance-distilled model (dev): the guidance value is embedded, not run as a second branch.</summary>
    public bool EmbedsGuidance => Config.GuidanceEmbed;

    /// <summary>The loaded DiT; null before the first denoising run (or <see cref="LoadTransformer"/>).</summary>
    public FluxModel? Model => _model;

    public override IReadOnlyList<string> Samplers => SamplerNames;

    public override int OutputChannels => VaeConfig.OutCh;

    /// <summary>Output pixels per image token: 2 × the VAE's downsampling (16 for the release).</summary>
    public override (int T, int H, int W)? PixelsPerToken => (1, PixelsPerSide, PixelsPerSide);

    private int PixelsPerSide => 2 * VaeConfig.Downsampling;

    /// <summary>No classifier-free guidance: dev embeds its guidance, schnell has none.</summary>
    protected override bool UsesClassifierFreeGuidance => false;

    protected override long[] LatentShape(int width, int height, int frames)
    {
        if (frames != 1) throw new UsageException($"--frames ({frames}) must be 1: FLUX.1 makes images");
        int unit = PixelsPerSide;
        if (width % unit != 0 || height % unit != 0)
            throw new UsageException($"--size {width}x{height} must be a positive multiple of {unit}x{unit} (VAE stride {VaeConfig.Downsampling} x 2x2 packing)");
        int f = VaeConfig.Downsampling;
        return [Config.LatentChannels, 1, height / f, width / f];
    }

    protected override void CheckPrompt(string prompt, string? negativePrompt)
    {
        if (negativePrompt is not null) throw new UsageException("FLUX.1 takes no negative prompt (no unconditional branch)");
    }

    protected override void CheckSettings(GenerationSettings settings, GenerationRequest request)
    {
        if (request.Shift is { } shift && shift != Defaults.Shift)
            throw new UsageException($"--shift ({shift}) does not apply to FLUX.1: its schedule shifts by the image token count");
        if (!EmbedsGuidance && settings.Guidance != 1.0)
            throw new UsageException($"--guidance ({settings.Guidance}) does not apply: this FLUX.1 model (schnell) has no guidance");
    }

    /// <summary>dev: Euler on the resolution-dependent shift; schnell: Euler on the unshifted linear schedule (as the
    /// official <c>get_schedule(..., shift=False)</c>).</summary>
    protected override Sampler CreateSampler(GenerationSettings settings) => EmbedsGuidance
        ? new Sampler(Core.Sampling.Samplers.Euler, new ResolutionShiftSchedule(), new EulerRule())
        : new Sampler(Core.Sampling.Samplers.Euler, new ShiftSchedule(1.0), new EulerRule());

    public override TransformerDescriptor Describe(GenerationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (_model is not null) return _model.Describe(settings.LatentShape);
        using var meta = new FluxModel(Config, META);
        return meta.Describe(settings.LatentShape);
    }

    // T5 states [B, L, D] of the batch, the pooled vector [1, P] of the encoded condition, and for dev the guidance [B].
    protected override DiffusionCondition ToCondition(Tensor context, EncodedCondition condition, GenerationSettings settings)
    {
        var pooled = condition.Pooled ?? throw new ArgumentException("a FLUX condition needs the pooled CLIP vector");
        long b = context.shape[0];
        Tensor? guidance = null;
        if (EmbedsGuidance)
        {
            using var g = settings.Guidance.ToScalar();
            guidance = torch.full([b], g, dtype: ScalarType.Float32, device: Device);
        }
        return new DiffusionCondition
        {
            TextEmbeddings = context,
            PooledText = b == pooled.shape[0] ? pooled : pooled.expand(b, -1),
            Guidance = guidance,
        };
    }

    /// <summary>Encodes each request's prompt: CLIP-L's pooled output (77 tokens), then the T5 encoder's states over
    /// <see cref="FluxConfig.T5MaxLength"/> padded tokens without a mask (as the official <c>HFEmbedder</c>); each encoder
    /// is built once in <see cref="FlowMatchingPipeline.DType"/> and freed before the next.</summary>
    public override IReadOnlyList<EncodedCondition> EncodeConditions(IReadOnlyList<GenerationSettings> settings,
        IProgress<GenerationProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        progress?.Report(new GenerationProgress { Stage = GenerationStage.Encode });
        var clipTokenizer = _layout.LoadClipTokenizer();
        var t5Tokenizer = _layout.LoadT5Tokenizer(Config.T5MaxLength);
        var pooled = new List<Tensor>(settings.Count);
        var list = new List<EncodedCondition>(settings.Count);
        try
        {
            using (no_grad())
            {
                using (var clip = new ClipTextModel(_layout.ReadClipConfig(), Device, DType))
                {
                    _layout.LoadClip(clip);
                    clip.eval();
                    foreach (var s in settings)
                    {
                        cancel.ThrowIfCancellationRequested();
                        using var ids = clipTokenizer.EncodeBatch([s.Prompt]);          // [1, 77]
                        var (last, vec) = clip.Forward(ids);                             // [1, 77, C], [1, C]
                        last.Dispose();
                        pooled.Add(vec);
                    }
                }
                using (var t5 = new UmT5Encoder(_layout.ReadT5Config(), Device, DType))
                {
                    _layout.LoadT5(t5);
                    t5.eval();
                    for (int i = 0; i < settings.Count; i++)
                    {
                        cancel.ThrowIfCancellationRequested();
                        using var ids = t5Tokenizer.EncodeBatch([settings[i].Prompt]);   // [1, L]
                        var states = t5.Forward(ids, mask: null);                        // [1, L, D]
                        list.Add(new EncodedCondition(settings[i].Prompt, null, states, null) { Pooled = pooled[i] });
                    }
                }
            }
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return list;
        }
        catch
        {
            foreach (var c in list) c.Dispose();
            foreach (var p in pooled.Skip(list.Count)) p.Dispose();
            throw;
        }
    }

    /// <summary>Builds the DiT and loads its weights strictly (the first denoising run calls it, after
    /// <see cref="EncodeConditions"/> freed the encoders).</summary>
    public FluxModel LoadTransformer()
    {
        return _model ??= LoadModel(() => new FluxModel(Config, Device, DType), m => _layout.LoadTransformer(m));
    }

    protected override IDiffusionTransformer Transformer(IProgress<GenerationProgress>? progress)
    {
        if (_model is not null) return _model;
        progress?.Report(new GenerationProgress { Stage = GenerationStage.Load });
        return LoadTransformer();
    }

    /// <summary>Decodes a latent [16, 1, h, w] with the folder's VAE (fp32, built on the CPU, freed afterwards) into an image
    /// [3, 1, 8h, 8w] clamped to [−1, 1] (as the official CLI clamps).</summary>
    public override Tensor Decode(Tensor latent, IProgress<GenerationProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(latent);
        if (latent.dim() != 4 || latent.shape[1] != 1)
            throw new ArgumentException($"a FLUX latent must be [C, 1, h, w], got [{string.Join(", ", latent.shape)}]");
        progress?.Report(new GenerationProgress { Stage = GenerationStage.Decode });
        using var vae = new FluxAutoEncoder(VaeConfig, CPU, ScalarType.Float32);
        _layout.LoadVae(vae);
        vae.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var z = latent.to(ScalarType.Float32, CPU).squeeze(1).unsqueeze(0);       // [1, 16, h, w]
        using var lo = (-1.0).ToScalar();
        using var hi = 1.0.ToScalar();
        var image = vae.Decode(z).clamp(lo, hi);                                 // [1, 3, 8h, 8w]
        return image.squeeze(0).unsqueeze(1).clone().MoveToOuterDisposeScope();  // [3, 1, 8h, 8w]
    }

    /// <summary>A linear latent → RGB projection (<see cref="FluxLatentRgb"/>) at the latent's resolution (1/8 of the
    /// image's): the VAE is far too large to run every few steps.</summary>
    public override Frame8 Preview(Tensor x0)
    {
        using var rgb = FluxLatentRgb.Projection.Project(x0);                 // [3, 1, h, w]
        return PreviewImage.Montage(rgb);
    }

    /// <summary>Frees the DiT.</summary>
    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        _model?.Dispose();
        _model = null;
    }
}
