using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Wan.Vae;

/// <summary>The official <c>Resample</c> in its four modes. Up: nearest ×2 in H, W then a 3x3 Conv2d to dim/2
/// (<c>resample.1</c>); upsample3d first doubles time with <c>time_conv</c> (CausalConv3d dim → 2·dim, kernel 3x1x1,
/// frames interleaved), skipped on the first chunk ('Rep'). Down: zero pad right/bottom by 1, 3x3 Conv2d stride 2
/// (<c>resample.1</c>); downsample3d then halves time with <c>time_conv</c> (kernel 3x1x1, stride 2, no padding) over
/// the previous chunk's last frame and this chunk, skipped on the first chunk.</summary>
internal sealed class WanVaeResample : nn.Module
{
    private readonly string _mode;
    private readonly ModuleList<nn.Module> resample;
    private readonly WanCausalConv3d? time_conv;

    public WanVaeResample(long dim, string mode, Device? device, ScalarType dtype) : base(nameof(WanVaeResample))
    {
        _mode = mode;
        switch (mode)
        {
            case "upsample2d":
            case "upsample3d":
                resample = nn.ModuleList<nn.Module>(nn.Identity(), nn.Conv2d(dim, dim / 2, 3, padding: 1, device: device, dtype: dtype));
                if (mode == "upsample3d")
                    time_conv = new WanCausalConv3d(dim, dim * 2, [3, 1, 1], [1, 1, 1], [1, 0, 0], device, dtype);
                break;
            case "downsample2d":
            case "downsample3d":
                resample = nn.ModuleList<nn.Module>(nn.Identity(), nn.Conv2d(dim, dim, 3, stride: 2, device: device, dtype: dtype));
                if (mode == "downsample3d")
                    time_conv = new WanCausalConv3d(dim, dim, [3, 1, 1], [2, 1, 1], [0, 0, 0], device, dtype);
                break;
            default:
                throw new ArgumentException($"unknown resample mode '{mode}'", nameof(mode));
        }
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, WanVaeFeatureCache cache)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], c = x.shape[1], t = x.shape[2], h = x.shape[3], w = x.shape[4];
        if (_mode == "upsample3d")
        {
            if (cache.IsEmpty)
                cache.SetAndAdvance(null); // 'Rep'
            else
            {
                var cacheX = x.narrow(2, Math.Max(0, t - 2), Math.Min(2, t)).clone();
                if (cacheX.shape[2] < 2 && cache.Current is { } previous)
                    cacheX = torch.cat([previous.narrow(2, previous.shape[2] - 1, 1), cacheX], 2);
                if (cacheX.shape[2] < 2 && cache.IsRep)
                    cacheX = torch.cat([torch.zeros_like(cacheX), cacheX], 2);
                x = cache.IsRep ? time_conv!.Forward(x) : time_conv!.Forward(x, cache.Current);
                cache.SetAndAdvance(cacheX.detach().clone());
                x = x.reshape(b, 2, c, t, h, w);
                x = torch.stack([x.select(1, 0), x.select(1, 1)], 3).reshape(b, c, t * 2, h, w);
            }
        }
        t = x.shape[2];
        var frames = x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w);
        var conv = (Conv2d)resample[1];
        if (_mode.StartsWith("upsample", StringComparison.Ordinal))
            frames = conv.call(frames.repeat_interleave(2, 2).repeat_interleave(2, 3)); // nearest-exact ×2 = nearest ×2
        else
            frames = conv.call(nn.functional.pad(frames, [0, 1, 0, 1]));
        x = frames.reshape(b, t, frames.shape[1], frames.shape[2], frames.shape[3]).permute(0, 2, 1, 3, 4);

        if (_mode == "downsample3d")
        {
            if (cache.IsEmpty)
                cache.SetAndAdvance(x.clone());
            else
            {
                var cacheX = x.narrow(2, x.shape[2] - 1, 1).clone();
                var previous = cache.Current!;
                x = time_conv!.Forward(torch.cat([previous.narrow(2, previous.shape[2] - 1, 1), x], 2));
                cache.SetAndAdvance(cacheX);
            }
        }
        return x.MoveToOuterDisposeScope();
    }
}
