using Jano.Models.Dit;
using Jano.Models.FrameAutoencoder;

namespace Jano.Training.Scenes;

/// <summary>
/// The scenes video model's training configuration, independent of the engine's catalog: a class-conditional latent
/// DiT over the <see cref="FrameAutoencoderModel"/>'s normalised latents of 8 frames of 64×64 RGB (16×16×8 latents of
/// 8 channels, patch 1×2×2: 512 tokens), 10 Fashion-MNIST classes plus the null class for classifier-free guidance.
/// </summary>
public static class SceneVideoModel
{
    /// <summary>Frames per clip.</summary>
    public const int Frames = 8;

    /// <summary>Autoencoder sizes: 8 latent channels, channels 64/128, 1 encoder and 2 decoder blocks per resolution.</summary>
    public static FrameAutoencoderConfig Autoencoder { get; } = new();

    /// <summary>DiT sizes: width 160, 6 layers, 4 heads (head dim 40), FFN 512; 2.50M parameters, so a compact checkpoint
    /// (weights and EMA in fp32) stays at about 20 MB.</summary>
    public static DitConfig Dit { get; } = new()
    {
        InChannels = 8,
        OutChannels = 8,
        Patch = [1, 2, 2],
        Dim = 160,
        FfnDim = 512,
        NumHeads = 4,
        NumLayers = 6,
    };

    /// <summary>Latent shape [C, T, H, W] = [8, 8, 16, 16].</summary>
    public static long[] LatentShape => [Dit.InChannels, Frames, SceneSource.DefaultSide / 4, SceneSource.DefaultSide / 4];
}
