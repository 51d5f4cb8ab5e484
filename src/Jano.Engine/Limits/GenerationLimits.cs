using System.Globalization;
using Jano.Core;
using Jano.Core.Options;
using Jano.Core.Weights;
using Jano.Engine.Pipelines.Flux;
using Jano.Engine.Pipelines.Wan;
using Jano.Models.Dit;
using Jano.Models.Wan;
using Jano.Models.Wan.TextEncoder;
using static TorchSharp.torch;

namespace Jano.Engine.Limits;

/// <summary>
/// Checks a generation request before any tensor is allocated: steps, size, frames and prompt against
/// <see cref="RequestLimits"/>, then an estimate of the memory the run needs (weights + activations of the widest
/// step, in double arithmetic so absurd shapes cannot overflow) against the machine's physical memory or the user's
/// <c>--max-memory</c>. The estimate counts the weights, the latent, and per token of the batch the widest live
/// activations of one block (the MLP hidden layer plus a handful of model-width tensors); attention runs through
/// <c>scaled_dot_product_attention</c>, whose CPU kernel does not hold the full score matrix.
/// </summary>
public static class GenerationLimits
{
    /// <summary>Model-width tensors alive at once inside a block (input, normed, q, k, v, attention out, residual, modulation).</summary>
    private const double WidthTensorsPerToken = 10;

    /// <summary>Checks the request values common to every model.</summary>
    public static void CheckRequest(int? steps, (int W, int H)? size, int? frames, int repeats, string? prompt, string? negativePrompt)
    {
        if (steps is { } s) RequestLimits.Steps(s);
        RequestLimits.InRange("--repeats", repeats, 1, RequestLimits.MaxCount);
        if (size is { } wh) RequestLimits.Size(wh.W, wh.H);
        if (frames is { } f) RequestLimits.Frames(f);
        RequestLimits.Prompt(prompt);
        RequestLimits.Prompt(negativePrompt, "--negative-prompt");
    }

    /// <summary>Checks a catalog DiT run on <paramref name="latentShape"/> [C, T, H, W]; with classifier-free guidance
    /// (<paramref name="guidance"/> ≠ 1) two rows per forward are counted.</summary>
    public static void CheckDit(string model, DitConfig cfg, long[] latentShape, double guidance, ScalarType dtype, double? maxMemoryGiB)
    {
        int batch = guidance != 1.0 ? 2 : 1;
        ArgumentNullException.ThrowIfNull(cfg);
        ArgumentNullException.ThrowIfNull(latentShape);
        double d = cfg.Dim, ffn = cfg.FfnDim, text = cfg.TextDim;
        double perLayer = 8 * d * d + 2 * d * text + 2 * d * ffn + 6 * d;
        double parameters = cfg.NumLayers * perLayer + (cfg.NumClasses + 1.0) * cfg.ContextTokens * text + 8 * d * d
                            + (double)cfg.InChannels * cfg.Patch.Aggregate(1.0, (a, p) => a * p) * d * 2;
        double tokens = Tokens(latentShape, cfg.Patch);
        double weights = parameters * ElementSize(dtype);
        double activations = batch * tokens * (ffn + WidthTensorsPerToken * d) * 4 + 4.0 * Elements(latentShape) * 4;
        RequestLimits.Memory($"generating {Describe(latentShape)} with {model}", weights + activations,
            $"weights {RequestLimits.GiB(weights)}, activations {RequestLimits.GiB(activations)}", maxMemoryGiB);
    }

    /// <summary>Checks a Wan2.1 run: the text encoder, the DiT and the VAE run one after another, so the largest of the
    /// three counts.</summary>
    public static void CheckWan(string model, WanConfig cfg, long[] latentShape, ScalarType dtype, double? maxMemoryGiB)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        ArgumentNullException.ThrowIfNull(latentShape);
        double d = cfg.Dim, ffn = cfg.FfnDim, text = cfg.TextDim;
        double perLayer = 8 * d * d + 2 * d * text + 2 * d * ffn + 12 * d;
        double parameters = cfg.NumLayers * perLayer + text * d + d * d + cfg.FreqDim * d + 7 * d * d
                            + (double)cfg.InDim * cfg.PatchSize.Aggregate(1.0, (a, p) => a * p) * d * 2;
        double tokens = Tokens(latentShape, cfg.PatchSize);
        double weights = parameters * ElementSize(dtype);
        double activations = tokens * (ffn + WidthTensorsPerToken * d) * 4 + 4.0 * Elements(latentShape) * 4
                             + 2.0 * cfg.TextLen * text * 4;
        // VAE decode: frames are decoded a few at a time at 8x the latent size with up to 96 channels at full size.
        double frames = 1 + 4 * (latentShape.Length > 1 ? latentShape[1] - 1 : 0);
        double pixels = frames * (latentShape.Length > 3 ? 64.0 * latentShape[2] * latentShape[3] : 0);
        double vae = pixels * 3 * 4 * 2 + 4 * (pixels / Math.Max(frames, 1)) * 96 * 4 * 3;
        double dit = weights + activations;
        double needed = Math.Max(dit, vae);
        RequestLimits.Memory($"generating {Describe(latentShape)} (latent) with {model}", needed,
            $"DiT weights {RequestLimits.GiB(weights)}, activations {RequestLimits.GiB(activations)}, VAE decode {RequestLimits.GiB(vae)}", maxMemoryGiB);
    }

    /// <summary>Checks a FLUX.1 run on <paramref name="latentShape"/> [16, 1, h, w]: the T5 encoder (CLIP is small beside it),
    /// the DiT with its activations and the VAE decode run one after another, so the largest counts (<see cref="FluxMemory"/>).</summary>
    public static void CheckFlux(string model, FluxPipeline flux, long[] latentShape, ScalarType dtype, double? maxMemoryGiB)
    {
        ArgumentNullException.ThrowIfNull(flux);
        ArgumentNullException.ThrowIfNull(latentShape);
        int es = (int)ElementSize(dtype);
        var cfg = flux.Config;
        double imageTokens = latentShape.Length == 4 ? latentShape[2] / 2.0 * (latentShape[3] / 2.0) : 0;
        double weights = (double)FluxMemory.Parameters(cfg) * es;
        double activations = FluxMemory.ActivationBytes(cfg, (long)imageTokens, cfg.T5MaxLength, es) + 4.0 * Elements(latentShape) * 4;
        double t5 = (double)FluxMemory.T5Parameters(flux.Layout.ReadT5Config()) * es;
        // VAE decode in fp32: the full-size level holds a few tensors of ch · ch_mult[0] channels at every output pixel
        double f = flux.VaeConfig.Downsampling;
        double pixels = latentShape.Length == 4 ? f * f * latentShape[2] * latentShape[3] : 0;
        double vae = pixels * flux.VaeConfig.Ch * flux.VaeConfig.ChMult[0] * 4 * 4;
        double needed = Math.Max(t5, Math.Max(weights + activations, vae));
        RequestLimits.Memory($"generating {Describe(latentShape)} (latent) with {model}", needed,
            $"text encoder {RequestLimits.GiB(t5)}, DiT weights {RequestLimits.GiB(weights)}, activations {RequestLimits.GiB(activations)}, VAE decode {RequestLimits.GiB(vae)}",
            maxMemoryGiB);
    }

    /// <summary>Largest VAE base width accepted from a checkpoint (the released VAE: 96).</summary>
    public const int MaxVaeDim = 1024;

    /// <summary>Checks what a Wan2.1 folder's text encoder and VAE checkpoints imply, from their headers alone (nothing
    /// is built): every side fits a 32-bit size, the umT5 configuration read from the shapes is in range, and the
    /// encoder fits in memory; the VAE's base width is in range. Errors name the file.</summary>
    public static void CheckWanFiles(WanPipeline wan, ScalarType dtype, double? maxMemoryGiB)
    {
        ArgumentNullException.ThrowIfNull(wan);
        var layout = wan.Layout;
        var t5Files = layout.TextEncoderFiles;
        string t5Source = string.Join(", ", t5Files);
        foreach (var path in t5Files)
        {
            using var file = WeightLoader.OpenTensorFile(path);
            foreach (var e in file.Entries)
                if (e.Shape.Any(d => d > int.MaxValue))
                    throw new InvalidDataException($"{path}: tensor {ErrorText.Quote(e.Name)} has a side of {e.Shape.Max()}, larger than any supported text encoder");
        }
        UmT5Config t5;
        try
        {
            var names = new List<string>();
            foreach (var path in t5Files)
            {
                using var file = WeightLoader.OpenTensorFile(path);
                names.AddRange(file.Entries.Select(e => e.Name));
            }
            t5 = WanPipeline.TextEncoderConfig(t5Files, layout.TextEncoderRename, layout.TextEncoderSkip(names));
            t5.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{t5Source}: the text encoder's shapes give an unsupported configuration: {e.Message}", e);
        }
        double t5Parameters = (double)t5.Vocab * t5.Dim
                              + t5.NumLayers * (4.0 * t5.Dim * t5.DimAttn + 3.0 * t5.Dim * t5.DimFfn + (double)t5.NumBuckets * t5.NumHeads + 2 * t5.Dim);
        double t5Bytes = t5Parameters * ElementSize(dtype);
        RequestLimits.Memory($"loading the text encoder {t5Source}", t5Bytes, $"weights {RequestLimits.GiB(t5Bytes)}", maxMemoryGiB);

        using var vaeFile = WeightLoader.OpenTensorFile(layout.VaePath);
        var vae = WanPipeline.VaeConfig(vaeFile, layout.VaeRename);
        if (vae.Dim < 1 || vae.Dim > MaxVaeDim)
            throw new InvalidDataException($"{layout.VaePath}: the VAE's base width ({vae.Dim}) must be between 1 and {MaxVaeDim}");
    }

    private static double Tokens(long[] latentShape, int[] patch)
    {
        if (latentShape.Length != 4 || patch.Length != 3) return 0;
        return (double)latentShape[1] / patch[0] * (latentShape[2] / (double)patch[1]) * (latentShape[3] / (double)patch[2]);
    }

    private static double Elements(long[] shape) => shape.Aggregate(1.0, (a, s) => a * s);

    private static double ElementSize(ScalarType dtype) => dtype is ScalarType.BFloat16 or ScalarType.Float16 ? 2 : 4;

    private static string Describe(long[] shape) => string.Join("x", shape.Select(s => s.ToString(CultureInfo.InvariantCulture)));
}
