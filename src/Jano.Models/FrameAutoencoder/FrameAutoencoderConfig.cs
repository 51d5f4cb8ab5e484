using System.Text.Json.Serialization;

namespace Jano.Models.FrameAutoencoder;

/// <summary>
/// Sizes of the per-frame 2-D autoencoder (4× spatial: a pixel unshuffle by 2, then one stride-2 convolution) and the
/// per-channel statistics that normalise its latents, as Wan's VAE does with its <c>mean</c>/<c>std</c>:
/// z_norm = (z − mean) / std. The statistics are measured on training data after the autoencoder is trained and are
/// stored in <c>config.json</c> beside the weights; null means not measured yet (identity).
/// </summary>
public sealed record FrameAutoencoderConfig
{
    [JsonPropertyName("in_channels")] public int InChannels { get; init; } = 3;
    [JsonPropertyName("latent_channels")] public int LatentChannels { get; init; } = 8;
    /// <summary>Channels at 1/2 and at 1/4 of the frame side.</summary>
    [JsonPropertyName("channels")] public int[] Channels { get; init; } = [64, 128];
    /// <summary>Residual blocks per resolution in the encoder.</summary>
    [JsonPropertyName("encoder_blocks")] public int EncoderBlocks { get; init; } = 1;
    /// <summary>Residual blocks per resolution in the decoder.</summary>
    [JsonPropertyName("decoder_blocks")] public int DecoderBlocks { get; init; } = 2;
    [JsonPropertyName("norm_groups")] public int NormGroups { get; init; } = 16;
    [JsonPropertyName("eps")] public double Eps { get; init; } = 1e-5;
    /// <summary>Per-channel latent mean (length <see cref="LatentChannels"/>), or null.</summary>
    [JsonPropertyName("latents_mean")] public double[]? LatentsMean { get; init; }
    /// <summary>Per-channel latent standard deviation (length <see cref="LatentChannels"/>), or null.</summary>
    [JsonPropertyName("latents_std")] public double[]? LatentsStd { get; init; }

    /// <summary>Spatial reduction factor (frame side / latent side).</summary>
    public static int Downsample => 4;

    /// <summary>Throws <see cref="ArgumentException"/> with an exact message for the first violated invariant.</summary>
    public void Validate()
    {
        if (InChannels < 1 || LatentChannels < 1) throw new ArgumentException("in_channels and latent_channels must be positive");
        if (Channels is not { Length: 2 } || Channels.Any(c => c < 1)) throw new ArgumentException("channels must be two positive integers");
        if (NormGroups < 1 || Channels.Any(c => c % NormGroups != 0))
            throw new ArgumentException($"channels ({string.Join(", ", Channels)}) must be divisible by norm_groups ({NormGroups})");
        if (EncoderBlocks < 0 || DecoderBlocks < 0) throw new ArgumentException("encoder_blocks and decoder_blocks must not be negative");
        if ((LatentsMean is null) != (LatentsStd is null)) throw new ArgumentException("latents_mean and latents_std must be given together");
        if (LatentsMean is not null && (LatentsMean.Length != LatentChannels || LatentsStd!.Length != LatentChannels))
            throw new ArgumentException($"latents_mean and latents_std must have {LatentChannels} values (latent_channels)");
        if (LatentsStd is not null && LatentsStd.Any(s => !(s > 0) || double.IsInfinity(s)))
            throw new ArgumentException("latents_std values must be positive and finite");
        if (LatentsMean is not null && LatentsMean.Any(m => !double.IsFinite(m))) throw new ArgumentException("latents_mean values must be finite");
    }
}
