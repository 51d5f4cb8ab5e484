using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Flux.Autoencoder;

/// <summary>The official <c>Decoder</c>: conv_in from z, <c>mid</c>, then levels from the lowest resolution up (<c>up.N</c> is
/// level N: num_res_blocks + 1 blocks, upsampling for N > 0), GroupNorm <c>norm_out</c>, swish, <c>conv_out</c>.</summary>
public sealed class FluxVaeDecoder : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv_in;
    private readonly FluxVaeMid mid;
    private readonly ModuleList<FluxVaeLevel> up;
    private readonly GroupNorm norm_out;
    private readonly Conv2d conv_out;

    /// <summary>Creates the decoder.</summary>
    public FluxVaeDecoder(FluxVaeConfig cfg, Device? device, ScalarType? dtype) : base("Decoder")
    {
        ArgumentNullException.ThrowIfNull(cfg);
        int levels = cfg.ChMult.Length;
        int blockIn = cfg.Ch * cfg.ChMult[^1];
        conv_in = nn.Conv2d(cfg.ZChannels, blockIn, 3, stride: 1, padding: 1L, device: device, dtype: dtype);
        mid = new FluxVaeMid(blockIn, device, dtype);
        var byLevel = new FluxVaeLevel[levels];
        for (int i = levels - 1; i >= 0; i--)
        {
            int blockOut = cfg.Ch * cfg.ChMult[i];
            byLevel[i] = new FluxVaeLevel(blockIn, blockOut, cfg.NumResBlocks + 1, decoder: true, resample: i != 0, device, dtype);
            blockIn = blockOut;
        }
        up = nn.ModuleList(byLevel);
        norm_out = FluxVaeLayers.GroupNorm(blockIn, device, dtype);
        conv_out = nn.Conv2d(blockIn, cfg.OutCh, 3, stride: 1, padding: 1L, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>z [B, z, h, w] → image [B, C_out, h·f, w·f].</summary>
    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        var h = mid.call(conv_in.call(z));
        for (int i = up.Count - 1; i >= 0; i--) h = up[i].call(h);
        return conv_out.call(FluxVaeLayers.Swish(norm_out.call(h))).MoveToOuterDisposeScope();
    }
}
