using static TorchSharp.torch;

namespace Jano.Engine.Pipelines;

/// <summary>
/// Stage 3 of a latent model's pipeline: latent [C_lat, T, H, W] → frames [C, F, H·s, W·s] in [−1, 1]. A pixel-space
/// pipeline has none (its latent is the output).
/// </summary>
public interface ILatentDecoder : IDisposable
{
    /// <summary>Channels of the decoded frames (1 grey, 3 RGB).</summary>
    int OutputChannels { get; }

    /// <summary>Latent channels it decodes.</summary>
    int LatentChannels { get; }

    /// <summary>Output pixels per latent cell along (time, height, width), e.g. (1, 4, 4) for a per-frame 4x autoencoder.</summary>
    (int T, int H, int W) Scale { get; }

    /// <summary>Decodes one latent [C_lat, T, H, W] (any device/dtype) into a new fp32 CPU tensor [C, T·s_t, H·s_h, W·s_w].</summary>
    Tensor Decode(Tensor latent);
}
