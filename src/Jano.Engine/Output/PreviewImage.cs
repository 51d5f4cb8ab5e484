using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Engine.Output;

/// <summary>Lays out a live preview: a clip [C, F, H, W] in [−1, 1] shrunk (area average) so that no frame side exceeds
/// <see cref="MaxSide"/> pixels, converted like the outputs (<see cref="FrameConverter.ToFrames"/>) and placed side by side
/// as the level map's montage is (<see cref="LevelMapRenderer.Montage"/>, up to 8 frames a row).</summary>
public static class PreviewImage
{
    /// <summary>Largest frame side of a preview, in pixels.</summary>
    public const int MaxSide = 128;

    /// <summary>Frames per montage row.</summary>
    public const int Columns = 8;

    /// <summary>The montage of <paramref name="clip"/> [C, F, H, W] (C = 1 or 3, values in [−1, 1], any device and
    /// floating dtype); the tensor is not modified.</summary>
    public static Frame8 Montage(Tensor clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        if (clip.dim() != 4) throw new ArgumentException($"expected a [C, F, H, W] clip, got [{string.Join(", ", clip.shape)}]", nameof(clip));
        long h = clip.shape[2], w = clip.shape[3];
        IReadOnlyList<Frame8> frames;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var x = clip.to(ScalarType.Float32, CPU);
            if (Math.Max(h, w) > MaxSide)
            {
                double scale = (double)MaxSide / Math.Max(h, w);
                long nh = Math.Max(1, (long)Math.Round(h * scale)), nw = Math.Max(1, (long)Math.Round(w * scale));
                var byFrame = x.permute(1, 0, 2, 3);                                                        // [F, C, H, W]
                var small = nn.functional.interpolate(byFrame, size: [nh, nw], mode: InterpolationMode.Area); // [F, C, nh, nw]
                x = small.permute(1, 0, 2, 3);                                                              // [C, F, nh, nw]
            }
            frames = FrameConverter.ToFrames(x);
        }
        return LevelMapRenderer.Montage(frames, columns: Math.Min(Columns, frames.Count));
    }
}
