using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Training.Scenes;

/// <summary>
/// The scenes model's background measure: a frame's background is compared with every background of a split rendered at
/// the frame's size; per background, the squared error per pixel (mean over RGB, values in [0, 1]) is averaged over the
/// <see cref="KeptShare"/> of pixels where it is smallest (the moving item and its shadow cover less than the rest, so
/// they drop out), and the frame's result is the PSNR of the best background. A clip's value uses its first, middle and
/// last frames, averaging the trimmed errors per background before taking the best. Owns the rendered backgrounds.
/// </summary>
public sealed class BackgroundMatch : IDisposable
{
    /// <summary>Share of a frame's pixels kept (the lowest-error ones).</summary>
    public const double KeptShare = 0.6;

    private readonly Tensor _backgrounds;   // [K, 3, S·S] in [0, 1]
    private readonly int _side;

    /// <summary>Renders every background of <paramref name="split"/> at <paramref name="side"/>.</summary>
    public BackgroundMatch(SceneSplit split, int side)
    {
        ArgumentNullException.ThrowIfNull(split);
        _side = side;
        int plane = 3 * side * side;
        var all = new float[(long)split.BackgroundCount * plane];
        for (int k = 0; k < split.BackgroundCount; k++)
            SceneBackground.Render(split.FirstBackgroundSeed + k, side).CopyTo(all.AsSpan(k * plane, plane));
        // Owned by this object, not by whatever dispose scope is open when it is made (eval makes it lazily inside a
        // per-sample scope, which disposed it after the first sample).
        _backgrounds = torch.tensor(all, [split.BackgroundCount, 3, side * side]).DetachFromDisposeScope();   // SceneBackground renders in [0, 1]
    }

    /// <summary>Nearest-background PSNR (dB) of a clip, frames [T, 3, S, S] row-major in [-1, 1] (values are clamped).</summary>
    public double NearestPsnr(ReadOnlySpan<float> frames, int frameCount)
    {
        int plane = 3 * _side * _side;
        if (frameCount < 1 || frames.Length < frameCount * plane)
            throw new ArgumentException($"{frameCount} frames of {plane} floats expected, got {frames.Length} floats");
        int[] picks = frameCount switch { 1 => [0], 2 => [0, 1], _ => [0, frameCount / 2, frameCount - 1] };
        using var scope = NewDisposeScope();
        var chosen = new float[picks.Length * plane];
        for (int i = 0; i < picks.Length; i++) frames.Slice(picks[i] * plane, plane).CopyTo(chosen.AsSpan(i * plane, plane));
        var x = torch.tensor(chosen, [picks.Length, 3, _side * _side]).clamp(-1.0, 1.0).add(1.0).div(2.0); // [F, 3, P]
        int pixels = _side * _side, kept = Math.Max(1, (int)(KeptShare * pixels));
        var trimmed = torch.zeros([picks.Length, _backgrounds.shape[0]]);                                  // [F, K]
        for (int f = 0; f < picks.Length; f++)
        {
            using var inner = NewDisposeScope();
            var err = x[f].unsqueeze(0).sub(_backgrounds).square().mean([1]);                               // [K, P]
            var low = err.topk(kept, dim: 1, largest: false).values;                                       // [K, kept]
            trimmed[f].copy_(low.mean([1]));
        }
        double best = trimmed.mean([0]).min().item<float>();
        return 10 * Math.Log10(1.0 / Math.Max(best, 1e-10));
    }

    public void Dispose() => _backgrounds.Dispose();
}
