using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Wan.Vae;

/// <summary>The official <c>Decoder3d</c> (no attention scales): <c>conv1</c> (z_dim → 4·dim), <c>middle</c>,
/// <c>upsamples</c> (per stage NumResBlocks + 1 residual blocks, input width halved after each up-sampler, then a
/// Resample except after the last stage), <c>head</c> (RMS_norm, SiLU, CausalConv3d → 3).</summary>
internal sealed class WanVaeDecoder : nn.Module
{
    private readonly WanCausalConv3d conv1;
    private readonly ModuleList<nn.Module> middle;
    private readonly ModuleList<nn.Module> upsamples;
    private readonly ModuleList<nn.Module> head;

    public WanVaeDecoder(WanVaeConfig cfg, Device? device, ScalarType dtype) : base(nameof(WanVaeDecoder))
    {
        int n = cfg.DimMult.Length;
        long[] dims = [cfg.Dim * cfg.DimMult[^1], .. cfg.DimMult.Reverse().Select(u => (long)cfg.Dim * u)];
        bool[] temporalUp = [.. cfg.TemporalDownsample.Reverse()];
        conv1 = new WanCausalConv3d(cfg.ZDim, dims[0], 3, 1, device, dtype);
        middle = nn.ModuleList<nn.Module>(new WanVaeResidualBlock(dims[0], dims[0], device, dtype),
            new WanVaeAttentionBlock(dims[0], device, dtype), new WanVaeResidualBlock(dims[0], dims[0], device, dtype));
        var layers = new List<nn.Module>();
        long outDim = dims[0];
        for (int i = 0; i < n; i++)
        {
            long inDim = dims[i];
            outDim = dims[i + 1];
            if (i is 1 or 2 or 3) inDim /= 2;
            for (int r = 0; r < cfg.NumResBlocks + 1; r++)
            {
                layers.Add(new WanVaeResidualBlock(inDim, outDim, device, dtype));
                inDim = outDim;
            }
            if (i != n - 1)
                layers.Add(new WanVaeResample(outDim, temporalUp[i] ? "upsample3d" : "upsample2d", device, dtype));
        }
        upsamples = nn.ModuleList([.. layers]);
        head = nn.ModuleList<nn.Module>(new WanVaeRmsNorm(outDim, images: false, device, dtype), nn.SiLU(),
            new WanCausalConv3d(outDim, 3, 3, 1, device, dtype));
        RegisterComponents();
    }

    /// <summary>One latent frame (after <c>conv2</c>) → its video frames, [B, 3, 1 or 4, 8·h, 8·w].</summary>
    public Tensor Forward(Tensor x, WanVaeFeatureCache cache)
    {
        using var scope = NewDisposeScope();
        x = WanVaeCachedConv.Run(conv1, x, cache);
        foreach (var layer in middle.Concat(upsamples).Concat(head))
            x = WanVaeLayers.Run(layer, x, cache);
        return x.MoveToOuterDisposeScope();
    }
}
