using Jano.Models.FrameAutoencoder;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Training.Scenes;

/// <summary>
/// Scene clips as the DiT sees them: each clip of a <see cref="SceneSource"/> encoded frame by frame by a
/// <see cref="FrameAutoencoderModel"/> into normalised latents [z, T, side/4, side/4].
/// </summary>
public sealed class LatentSceneSource : ISampleSource
{
    private readonly SceneSource _scenes;
    private readonly FrameAutoencoderModel _autoencoder;
    private readonly float[] _pixels;

    public LatentSceneSource(SceneSource scenes, FrameAutoencoderModel autoencoder)
    {
        ArgumentNullException.ThrowIfNull(scenes);
        ArgumentNullException.ThrowIfNull(autoencoder);
        if (autoencoder.Config.LatentsMean is null)
            throw new ArgumentException("the autoencoder has no latent statistics (latents_mean/latents_std); export it with jano train-autoencoder --export");
        _scenes = scenes;
        _autoencoder = autoencoder;
        _pixels = new float[scenes.Shape.Aggregate(1L, (a, b) => a * b)];
    }

    /// <summary>[z, T, side/4, side/4].</summary>
    public long[] Shape => [_autoencoder.Config.LatentChannels, _scenes.Frames, _scenes.Side / 4, _scenes.Side / 4];

    public int NextSample(Random rng, Span<float> destination)
    {
        int label = _scenes.NextSample(rng, _pixels);
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = torch.tensor(_pixels, [1, .. _scenes.Shape]);                 // [1, 3, T, H, W]
        var z = _autoencoder.EncodeVideo(x).contiguous();                     // [1, z, T, h, w]
        z.data<float>().CopyTo(destination);
        return label;
    }
}
