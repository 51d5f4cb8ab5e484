using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.FrameAutoencoder;

/// <summary>Frames [B, 3, H, W] → latents [B, z, H/4, W/4]: pixel unshuffle by 2, conv, residual blocks, stride-2 conv,
/// residual blocks, norm + SiLU + conv to the latent channels.</summary>
public sealed class FrameEncoder : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv_in;
    private readonly ModuleList<FrameResBlock> blocks_hi;
    private readonly Conv2d downsample;
    private readonly ModuleList<FrameResBlock> blocks_lo;
    private readonly GroupNorm norm_out;
    private readonly Conv2d conv_out;

    public FrameEncoder(FrameAutoencoderConfig cfg) : base(nameof(FrameEncoder))
    {
        int c1 = cfg.Channels[0], c2 = cfg.Channels[1];
        conv_in = nn.Conv2d(cfg.InChannels * 4, c1, 3, padding: 1);
        blocks_hi = nn.ModuleList(Enumerable.Range(0, cfg.EncoderBlocks).Select(_ => new FrameResBlock(c1, cfg.NormGroups, cfg.Eps)).ToArray());
        downsample = nn.Conv2d(c1, c2, 3, stride: 2, padding: 1);
        blocks_lo = nn.ModuleList(Enumerable.Range(0, cfg.EncoderBlocks).Select(_ => new FrameResBlock(c2, cfg.NormGroups, cfg.Eps)).ToArray());
        norm_out = nn.GroupNorm(cfg.NormGroups, c2, cfg.Eps);
        conv_out = nn.Conv2d(c2, cfg.LatentChannels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.pixel_unshuffle(x, 2);                          // [B, 4·3, H/2, W/2]
        h = conv_in.call(h);                                                  // [B, c1, H/2, W/2]
        foreach (var block in blocks_hi) h = block.call(h);
        h = downsample.call(h);                                               // [B, c2, H/4, W/4]
        foreach (var block in blocks_lo) h = block.call(h);
        return conv_out.call(nn.functional.silu(norm_out.call(h))).MoveToOuterDisposeScope(); // [B, z, H/4, W/4]
    }
}
