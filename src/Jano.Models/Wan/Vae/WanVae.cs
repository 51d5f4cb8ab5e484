using TorchSharp;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.Wan.Vae;

/// <summary>
/// The Wan2.1 causal 3-D video VAE (official <c>WanVAE_</c> with the <c>WanVAE</c> wrapper's latent scaling). Field
/// names are the official state_dict keys (<c>encoder.*</c>, <c>conv1</c>, <c>conv2</c>, <c>decoder.*</c>), so
/// <c>Wan2.1_VAE.pth</c> loads strictly with <c>WeightLoader.LoadInto</c>.
/// </summary>
/// <remarks>
/// Encoding runs the video in chunks of 1, 4, 4, … frames and decoding one latent frame at a time, exactly as
/// <c>WanVAE_.encode</c> / <c>decode</c> do: each cached causal convolution keeps the last frames of its input from the
/// previous chunk (<c>feat_cache</c>), so the result equals a causal pass over the whole clip with bounded memory.
/// Latents are normalised per channel: <c>(mu − mean) / std</c> on encode, the inverse on decode.
/// </remarks>
public sealed class WanVae : nn.Module
{
    private readonly WanVaeConfig _cfg;
    private readonly WanVaeEncoder encoder;
    private readonly WanCausalConv3d conv1;
    private readonly WanCausalConv3d conv2;
    private readonly WanVaeDecoder decoder;

    /// <summary>Builds the VAE (random weights; load them with <c>WeightLoader.LoadInto</c>).</summary>
    public WanVae(WanVaeConfig cfg, Device? device = null, ScalarType dtype = ScalarType.Float32) : base(nameof(WanVae))
    {
        ArgumentNullException.ThrowIfNull(cfg);
        if (cfg.LatentMean.Length != cfg.ZDim || cfg.LatentStd.Length != cfg.ZDim)
            throw new ArgumentException($"LatentMean and LatentStd must have {cfg.ZDim} (ZDim) values", nameof(cfg));
        if (cfg.TemporalDownsample.Length != cfg.DimMult.Length - 1)
            throw new ArgumentException("TemporalDownsample needs one flag per down-sampling stage (DimMult.Length - 1)", nameof(cfg));
        _cfg = cfg;
        encoder = new WanVaeEncoder(cfg, device, dtype);
        conv1 = new WanCausalConv3d(cfg.ZDim * 2, cfg.ZDim * 2, 1, 0, device, dtype);
        conv2 = new WanCausalConv3d(cfg.ZDim, cfg.ZDim, 1, 0, device, dtype);
        decoder = new WanVaeDecoder(cfg, device, dtype);
        RegisterComponents();
    }

    /// <summary>The configuration.</summary>
    public WanVaeConfig Config => _cfg;

    /// <summary>Latent frames for <paramref name="frames"/> video frames: 1 + (frames − 1) / 4.</summary>
    public static long LatentFrames(long frames) => 1 + (frames - 1) / 4;

    /// <summary>Encodes a video [B, 3, T, H, W] in [−1, 1] (T = 1 + 4k; extra frames are ignored as in the official
    /// code; H, W multiples of 8) to the normalised latent mean [B, z_dim, 1 + (T − 1)/4, H/8, W/8] (no sampling).</summary>
    public Tensor Encode(Tensor video)
    {
        ArgumentNullException.ThrowIfNull(video);
        if (video.dim() != 5 || video.shape[1] != 3) throw new ArgumentException("video must be [B, 3, T, H, W]", nameof(video));
        using var _ = torch.no_grad();
        using var cache = new WanVaeFeatureCache();
        var chunks = new List<Tensor>();
        try
        {
            long iterations = LatentFrames(video.shape[2]);
            for (long i = 0; i < iterations; i++)
            {
                using var scope = NewDisposeScope();
                cache.Index = 0;
                using var chunk = i == 0 ? video.narrow(2, 0, 1) : video.narrow(2, 1 + 4 * (i - 1), 4);
                chunks.Add(encoder.Forward(chunk, cache).DetachFromDisposeScope());
            }
            using var scope2 = NewDisposeScope();
            var stats = conv1.Forward(torch.cat(chunks, 2)).chunk(2, 1);
            var (mean, invStd) = Scale(video.device, stats[0].dtype);
            return stats[0].sub(mean).mul(invStd).MoveToOuterDisposeScope();
        }
        finally
        {
            foreach (var c in chunks) c.Dispose();
        }
    }

    /// <summary>Decodes normalised latents [B, z_dim, t, h, w] to video [B, 3, 1 + 4(t − 1), 8h, 8w], clamped to
    /// [−1, 1] like <c>WanVAE.decode</c> unless <paramref name="clamp"/> is false.</summary>
    public Tensor Decode(Tensor z, bool clamp = true)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (z.dim() != 5 || z.shape[1] != _cfg.ZDim) throw new ArgumentException($"z must be [B, {_cfg.ZDim}, t, h, w]", nameof(z));
        using var _ = torch.no_grad();
        using var cache = new WanVaeFeatureCache();
        var chunks = new List<Tensor>();
        try
        {
            Tensor x;
            using (var scope = NewDisposeScope())
            {
                var (mean, invStd) = Scale(z.device, z.dtype);
                x = conv2.Forward(z.div(invStd).Plus(mean)).DetachFromDisposeScope();
            }
            using (x)
            {
                for (long i = 0; i < z.shape[2]; i++)
                {
                    using var scope = NewDisposeScope();
                    cache.Index = 0;
                    chunks.Add(decoder.Forward(x.narrow(2, i, 1), cache).DetachFromDisposeScope());
                }
            }
            using var scope2 = NewDisposeScope();
            var video = torch.cat(chunks, 2);
            return (clamp ? video.clamp(-1, 1) : video).MoveToOuterDisposeScope();
        }
        finally
        {
            foreach (var c in chunks) c.Dispose();
        }
    }

    /// <summary>The official <c>scale = [mean, 1/std]</c> as [1, z, 1, 1, 1] tensors.</summary>
    private (Tensor Mean, Tensor InvStd) Scale(Device device, ScalarType dtype)
    {
        var mean = torch.tensor(_cfg.LatentMean, device: device).view(1, -1, 1, 1, 1);
        var invStd = torch.tensor(_cfg.LatentStd, device: device).reciprocal().view(1, -1, 1, 1, 1);
        return (mean.to(dtype), invStd.to(dtype));
    }
}
