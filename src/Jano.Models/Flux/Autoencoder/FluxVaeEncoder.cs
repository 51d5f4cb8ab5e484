using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Flux.Autoencoder;

/// <summary>The official <c>Encoder</c>: conv_in, one <see cref="FluxVaeLevel"/> per ch_mult entry (<c>down.N</c>, downsampling
/// after all but the last), <c>mid</c>, GroupNorm <c>norm_out</c>, swish, <c>conv_out</c> to 2·z_channels (mean and log-variance).</summary>
public sealed class FluxVaeEncoder : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv_in;
    private readonly ModuleList<FluxVaeLevel> down;
    private readonly FluxVaeMid mid;
    private readonly GroupNorm norm_out;
    private readonly Conv2d conv_out;

    /// <summary>Creates the encoder.</summary>
    public FluxVaeEncoder(FluxVaeConfig cfg, Device? device, ScalarType? dtype) : base("Encoder")
    {
        ArgumentNullException.ThrowIfNull(cfg);
        int levels = cfg.ChMult.Length;
        conv_in = nn.Conv2d(cfg.InChannels, cfg.Ch, 3, stride: 1, padding: 1L, device: device, dtype: dtype);
        var list = new List<FluxVaeLevel>();
        for (int i = 0; i < levels; i++)
        {
            int blockIn = cfg.Ch * (i == 0 ? 1 : cfg.ChMult[i - 1]);
            list.Add(new FluxVaeLevel(blockIn, cfg.Ch * cfg.ChMult[i], cfg.NumResBlocks, decoder: false, resample: i != levels - 1, device, dtype));
        }
        down = nn.ModuleList(list.ToArray());
        int top = cfg.Ch * cfg.ChMult[^1];
        mid = new FluxVaeMid(top, device, dtype);
        norm_out = FluxVaeLayers.GroupNorm(top, device, dtype);
        conv_out = nn.Conv2d(top, 2L * cfg.ZChannels, 3, stride: 1, padding: 1L, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>x [B, C_in, H, W] → moments [B, 2·z, H/f, W/f].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = conv_in.call(x);
        foreach (var level in down) h = level.call(h);
        h = mid.call(h);
        return conv_out.call(FluxVaeLayers.Swish(norm_out.call(h))).MoveToOuterDisposeScope();
    }
}
