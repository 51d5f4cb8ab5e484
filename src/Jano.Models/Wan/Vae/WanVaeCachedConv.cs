using static TorchSharp.torch;

namespace Jano.Models.Wan.Vae;

/// <summary>The official pattern around every cached <c>CausalConv3d</c> (encoder/decoder <c>conv1</c>, residual
/// convolutions, head): remember the last frames of the input, convolve with the previous chunk's frames, store.</summary>
internal static class WanVaeCachedConv
{
    public static Tensor Run(WanCausalConv3d conv, Tensor x, WanVaeFeatureCache cache)
    {
        var cacheX = cache.LastFrames(x);
        var y = conv.Forward(x, cache.Current);
        cache.SetAndAdvance(cacheX);
        return y;
    }
}
