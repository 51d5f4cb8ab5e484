using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Models.Wan.Vae;

/// <summary>Runs one layer of an encoder/decoder sequence with the feature cache where the official code passes it.</summary>
internal static class WanVaeLayers
{
    public static Tensor Run(nn.Module layer, Tensor x, WanVaeFeatureCache cache) => layer switch
    {
        WanVaeResidualBlock block => block.Forward(x, cache),
        WanVaeResample resample => resample.Forward(x, cache),
        WanVaeAttentionBlock attention => attention.Forward(x),
        WanVaeRmsNorm norm => norm.Forward(x),
        WanCausalConv3d conv => WanVaeCachedConv.Run(conv, x, cache),
        nn.Module<Tensor, Tensor> plain => plain.call(x),
        _ => throw new InvalidOperationException($"unexpected layer {layer.GetName()}"),
    };
}
