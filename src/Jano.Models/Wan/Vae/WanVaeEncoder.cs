using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Wan.Vae;

/// <summary>The official <c>Encoder3d</c> (no attention scales): <c>conv1</c> (3 → dim), <c>downsamples</c>
/// (per stage NumResBlocks residual blocks, then a Resample except after the last stage), <c>middle</c> (residual,
/// attention, residual), <c>head</c> (RMS_norm, SiLU, CausalConv3d → 2·z_dim; keys <c>head.0</c>, <c>head.2</c>).</summary>
internal sealed class WanVaeEncoder : nn.Module
{
    private readonly WanCausalConv3d conv1;
    private readonly ModuleList<nn.Module> downsamples;
    private readonly ModuleList<nn.Module> middle;
    private readonly ModuleList<nn.Module> head;

    public WanVaeEncoder(WanVaeConfig cfg, Device? device, ScalarType dtype) : base(nameof(WanVaeEncoder))
    {
        long[] dims = [cfg.Dim, .. cfg.DimMult.Select(u => (long)cfg.Dim * u)];
        conv1 = new WanCausalConv3d(3, dims[0], 3, 1, device, dtype);
        var layers = new List<nn.Module>();
        long outDim = dims[0];
        for (int i = 0; i < cfg.DimMult.Length; i++)
        {
            long inDim = dims[i];
            outDim = dims[i + 1];
            for (int r = 0; r < cfg.NumResBlocks; r++)
            {
                layers.Add(new WanVaeResidualBlock(inDim, outDim, device, dtype));
                inDim = outDim;
            }
            if (i != cfg.DimMult.Length - 1)
                layers.Add(new WanVaeResample(outDim, cfg.TemporalDownsample[i] ? "downsample3d" : "downsample2d", device, dtype));
        }
        downsamples = nn.ModuleList([.. layers]);
        middle = nn.ModuleList<nn.Module>(new WanVaeResidualBlock(outDim, outDim, device, dtype),
            new WanVaeAttentionBlock(outDim, device, dtype), new WanVaeResidualBlock(outDim, outDim, device, dtype));
        head = nn.ModuleList<nn.Module>(new WanVaeRmsNorm(outDim, images: false, device, dtype), nn.SiLU(),
            new WanCausalConv3d(outDim, cfg.ZDim * 2, 3, 1, device, dtype));
        RegisterComponents();
    }

    /// <summary>One chunk (1 frame first, then 4) → its latent frames, [B, 2·z_dim, t, H/8, W/8].</summary>
    public Tensor Forward(Tensor x, WanVaeFeatureCache cache)
    {
        using var scope = NewDisposeScope();
        x = WanVaeCachedConv.Run(conv1, x, cache);
        foreach (var layer in downsamples.Concat(middle).Concat(head))
            x = WanVaeLayers.Run(layer, x, cache);
        return x.MoveToOuterDisposeScope();
    }
}
