using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.FrameAutoencoder;

/// <summary>Latents [B, z, h, w] → frames [B, 3, 4h, 4w]: conv, residual blocks, nearest ×2 + conv, residual blocks,
/// norm + SiLU + conv to 4·3 channels, pixel shuffle by 2.</summary>
public sealed class FrameDecoder : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv_in;
    private readonly ModuleList<FrameResBlock> blocks_lo;
    private readonly Conv2d upsample;
    private readonly ModuleList<FrameResBlock> blocks_hi;
    private readonly GroupNorm norm_out;
    private readonly Conv2d conv_out;

    public FrameDecoder(FrameAutoencoderConfig cfg) : base(nameof(FrameDecoder))
    {
        int c1 = cfg.Channels[0], c2 = cfg.Channels[1];
        conv_in = nn.Conv2d(cfg.LatentChannels, c2, 3, padding: 1);
        blocks_lo = nn.ModuleList(Enumerable.Range(0, cfg.DecoderBlocks).Select(_ => new FrameResBlock(c2, cfg.NormGroups, cfg.Eps)).ToArray());
        upsample = nn.Conv2d(c2, c1, 3, padding: 1);
        blocks_hi = nn.ModuleList(Enumerable.Range(0, cfg.DecoderBlocks).Select(_ => new FrameResBlock(c1, cfg.NormGroups, cfg.Eps)).ToArray());
        norm_out = nn.GroupNorm(cfg.NormGroups, c1, cfg.Eps);
        conv_out = nn.Conv2d(c1, cfg.InChannels * 4, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        var h = conv_in.call(z);                                              // [B, c2, h, w]
        foreach (var block in blocks_lo) h = block.call(h);
        h = nn.functional.interpolate(h, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest); // [B, c2, 2h, 2w]
        h = upsample.call(h);                                                 // [B, c1, 2h, 2w]
        foreach (var block in blocks_hi) h = block.call(h);
        h = conv_out.call(nn.functional.silu(norm_out.call(h)));              // [B, 4·3, 2h, 2w]
        return nn.functional.pixel_shuffle(h, 2).MoveToOuterDisposeScope();   // [B, 3, 4h, 4w]
    }
}
