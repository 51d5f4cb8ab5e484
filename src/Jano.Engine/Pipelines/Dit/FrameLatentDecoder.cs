using Jano.Models.FrameAutoencoder;
using static TorchSharp.torch;

namespace Jano.Engine.Pipelines.Dit;

/// <summary>
/// The latent decoder of a DiT trained on a <see cref="FrameAutoencoderModel"/>'s normalised latents: denormalises with
/// the stored per-channel mean/std and decodes each frame (4x spatial, no temporal compression). Owns the autoencoder.
/// </summary>
public sealed class FrameLatentDecoder : ILatentDecoder
{
    private readonly FrameAutoencoderModel _autoencoder;

    /// <param name="autoencoder">The autoencoder in eval mode, on any device; the decoder owns it.</param>
    public FrameLatentDecoder(FrameAutoencoderModel autoencoder)
    {
        ArgumentNullException.ThrowIfNull(autoencoder);
        _autoencoder = autoencoder;
    }

    public int OutputChannels => _autoencoder.Config.InChannels;

    public int LatentChannels => _autoencoder.Config.LatentChannels;

    public (int T, int H, int W) Scale => (1, FrameAutoencoderConfig.Downsample, FrameAutoencoderConfig.Downsample);

    public Tensor Decode(Tensor latent)
    {
        ArgumentNullException.ThrowIfNull(latent);
        if (latent.dim() != 4 || latent.shape[0] != LatentChannels)
            throw new ArgumentException($"expected a latent [{LatentChannels}, T, H, W], got [{string.Join(", ", latent.shape)}]");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var first = _autoencoder.parameters().First();
        var z = latent.to(first.dtype, first.device).unsqueeze(0);   // [1, C_lat, T, h, w]
        var video = _autoencoder.DecodeVideo(z).squeeze(0);            // [3, T, 4h, 4w]
        return video.to(ScalarType.Float32, CPU).contiguous().MoveToOuterDisposeScope();
    }

    public void Dispose() => _autoencoder.Dispose();
}
