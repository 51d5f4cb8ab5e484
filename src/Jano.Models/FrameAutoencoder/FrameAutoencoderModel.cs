using System.Text.Json;
using Jano.Core.IO;
using Jano.Core.Weights;
using TorchSharp;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.FrameAutoencoder;

/// <summary>
/// Per-frame 2-D autoencoder (4× spatial) with per-channel latent normalisation. Field names are its state_dict keys
/// (<c>encoder.*</c>, <c>decoder.*</c>). Videos [B, 3, T, H, W] are coded frame by frame into latents [B, z, T, H/4, W/4].
/// A model folder holds <c>model.safetensors</c> (weights) and <c>config.json</c> (sizes and latent statistics).
/// </summary>
public sealed class FrameAutoencoderModel : nn.Module
{
    /// <summary>Weights file name inside a model folder.</summary>
    public const string WeightsFileName = "model.safetensors";

    /// <summary>Config file name inside a model folder.</summary>
    public const string ConfigFileName = "config.json";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private readonly FrameEncoder encoder;
    private readonly FrameDecoder decoder;
    private FrameAutoencoderConfig _cfg;

    public FrameAutoencoderModel(FrameAutoencoderConfig cfg) : base(nameof(FrameAutoencoderModel))
    {
        ArgumentNullException.ThrowIfNull(cfg);
        cfg.Validate();
        _cfg = cfg;
        encoder = new FrameEncoder(cfg);
        decoder = new FrameDecoder(cfg);
        RegisterComponents();
    }

    public FrameAutoencoderConfig Config => _cfg;

    /// <summary>Replaces the latent statistics (after measuring them on training data).</summary>
    public void SetLatentStats(double[] mean, double[] std)
    {
        var next = _cfg with { LatentsMean = (double[])mean.Clone(), LatentsStd = (double[])std.Clone() };
        next.Validate();
        _cfg = next;
    }

    /// <summary>Deterministic initialisation from <paramref name="seed"/> (independent of torch's global RNG): conv weights
    /// N(0, 1/fan_in), the second conv of each residual block scaled by 0.1, biases 0, norms 1.</summary>
    public void InitializeWeights(long seed)
    {
        using var _ = torch.no_grad();
        using var gen = new Generator((ulong)seed);
        foreach (var (name, p) in named_parameters())
        {
            using var scope = NewDisposeScope();
            Tensor value;
            if (name.Contains("norm", StringComparison.Ordinal))
                value = name.EndsWith(".weight", StringComparison.Ordinal) ? torch.ones(p.shape) : torch.zeros(p.shape);
            else if (name.EndsWith(".bias", StringComparison.Ordinal))
                value = torch.zeros(p.shape);
            else
            {
                long fanIn = p.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
                double gain = name.EndsWith("conv2.weight", StringComparison.Ordinal) ? 0.1 : 1.0;
                value = torch.randn(p.shape, generator: gen).mul(gain / Math.Sqrt(Math.Max(1, fanIn)));
            }
            p.copy_(value);
        }
    }

    /// <summary>Frames [B, 3, H, W] in [-1, 1] → raw latents [B, z, H/4, W/4].</summary>
    public Tensor Encode(Tensor frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        CheckFrames(frames);
        return encoder.call(frames);
    }

    /// <summary>Raw latents [B, z, h, w] → frames [B, 3, 4h, 4w].</summary>
    public Tensor Decode(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (latents.dim() != 4 || latents.shape[1] != _cfg.LatentChannels)
            throw new ArgumentException($"expected latents [B, {_cfg.LatentChannels}, h, w], got [{string.Join(", ", latents.shape)}]");
        return decoder.call(latents);
    }

    /// <summary>(z − mean) / std per channel (dimension 1); identity while no statistics are set.</summary>
    public Tensor Normalize(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (_cfg.LatentsMean is null) return latents.alias();
        using var scope = NewDisposeScope();
        var (mean, std) = StatTensors(latents);
        return latents.sub(mean).div(std).MoveToOuterDisposeScope();
    }

    /// <summary>z_norm·std + mean per channel (dimension 1), the inverse of <see cref="Normalize"/>.</summary>
    public Tensor Denormalize(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (_cfg.LatentsMean is null) return latents.alias();
        using var scope = NewDisposeScope();
        var (mean, std) = StatTensors(latents);
        return latents.mul(std).Plus(mean).MoveToOuterDisposeScope();
    }

    // mean, std as [1, z, 1, ...] in the latents' dtype and device.
    private (Tensor Mean, Tensor Std) StatTensors(Tensor latents)
    {
        if (latents.dim() < 2 || latents.shape[1] != _cfg.LatentChannels)
            throw new ArgumentException($"expected latents with {_cfg.LatentChannels} channels in dimension 1, got [{string.Join(", ", latents.shape)}]");
        var view = new long[latents.dim()];
        Array.Fill(view, 1L);
        view[1] = _cfg.LatentChannels;
        var mean = torch.tensor(_cfg.LatentsMean!, dtype: ScalarType.Float64).to(latents.dtype, latents.device).view(view);
        var std = torch.tensor(_cfg.LatentsStd!, dtype: ScalarType.Float64).to(latents.dtype, latents.device).view(view);
        return (mean, std);
    }

    /// <summary>Videos [B, 3, T, H, W] → normalised latents [B, z, T, H/4, W/4] (frames coded independently).</summary>
    public Tensor EncodeVideo(Tensor video)
    {
        ArgumentNullException.ThrowIfNull(video);
        if (video.dim() != 5) throw new ArgumentException($"expected a video [B, C, T, H, W], got [{string.Join(", ", video.shape)}]");
        using var scope = NewDisposeScope();
        long b = video.shape[0], c = video.shape[1], t = video.shape[2], h = video.shape[3], w = video.shape[4];
        var frames = video.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w);   // [B·T, 3, H, W]
        var z = Normalize(Encode(frames));                                    // [B·T, z, h, w]
        return z.view(b, t, z.shape[1], z.shape[2], z.shape[3]).permute(0, 2, 1, 3, 4).contiguous() // [B, z, T, h, w]
            .MoveToOuterDisposeScope();
    }

    /// <summary>Normalised latents [B, z, T, h, w] → videos [B, 3, T, 4h, 4w].</summary>
    public Tensor DecodeVideo(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (latents.dim() != 5) throw new ArgumentException($"expected video latents [B, z, T, h, w], got [{string.Join(", ", latents.shape)}]");
        using var scope = NewDisposeScope();
        long b = latents.shape[0], z = latents.shape[1], t = latents.shape[2], h = latents.shape[3], w = latents.shape[4];
        var frames = latents.permute(0, 2, 1, 3, 4).reshape(b * t, z, h, w);  // [B·T, z, h, w]
        var x = Decode(Denormalize(frames));                                  // [B·T, 3, H, W]
        return x.view(b, t, x.shape[1], x.shape[2], x.shape[3]).permute(0, 2, 1, 3, 4).contiguous() // [B, 3, T, H, W]
            .MoveToOuterDisposeScope();
    }

    private void CheckFrames(Tensor frames)
    {
        if (frames.dim() != 4 || frames.shape[1] != _cfg.InChannels)
            throw new ArgumentException($"expected frames [B, {_cfg.InChannels}, H, W], got [{string.Join(", ", frames.shape)}]");
        if (frames.shape[2] % FrameAutoencoderConfig.Downsample != 0 || frames.shape[3] % FrameAutoencoderConfig.Downsample != 0)
            throw new ArgumentException($"frame size {frames.shape[2]}x{frames.shape[3]} is not a multiple of {FrameAutoencoderConfig.Downsample}");
    }

    /// <summary>Writes <c>model.safetensors</c> and <c>config.json</c> into <paramref name="folder"/> (atomically, each).</summary>
    public void Save(string folder, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Directory.CreateDirectory(folder);
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>()) { ["config"] = JsonSerializer.Serialize(_cfg) };
        WeightLoader.Save(this, Path.Combine(folder, WeightsFileName), meta);
        AtomicFile.WriteAllText(Path.Combine(folder, ConfigFileName), JsonSerializer.Serialize(_cfg, JsonOptions));
    }

    /// <summary>Loads a model folder written by <see cref="Save"/> (strict weight load) in eval mode.</summary>
    /// <exception cref="FileNotFoundException">The folder lacks <c>config.json</c> or <c>model.safetensors</c>.</exception>
    public static FrameAutoencoderModel Load(string folder)
    {
        var configPath = Path.Combine(folder, ConfigFileName);
        var weightsPath = Path.Combine(folder, WeightsFileName);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"autoencoder config not found: {configPath}", configPath);
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"autoencoder weights not found: {weightsPath}", weightsPath);
        var cfg = JsonSerializer.Deserialize<FrameAutoencoderConfig>(File.ReadAllText(configPath))
                  ?? throw new InvalidDataException($"{configPath}: empty config");
        var model = new FrameAutoencoderModel(cfg);
        try
        {
            WeightLoader.LoadInto(model, [weightsPath]);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return model;
    }
}
