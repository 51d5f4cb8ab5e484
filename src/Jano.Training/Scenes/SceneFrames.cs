using Jano.Training.Classifier;

namespace Jano.Training.Scenes;

/// <summary>Frame sets of real scene clips for the scenes model's classifier checks and Fréchet references, and the
/// frame helpers they share with <see cref="SceneFrameSampler"/>.</summary>
public static class SceneFrames
{
    /// <summary>
    /// Every frame of <paramref name="clipsPerClass"/> clips of every class from <paramref name="scenes"/>; clip <c>i</c> of
    /// class <c>c</c> is drawn with <c>new Random(seed + 1000·c + i)</c>, so the set is reproducible. Frames are [3, S, S].
    /// </summary>
    public static FrameSet FromClips(SceneSource scenes, int clipsPerClass, int seed)
    {
        ArgumentNullException.ThrowIfNull(scenes);
        if (clipsPerClass < 1) throw new ArgumentOutOfRangeException(nameof(clipsPerClass), clipsPerClass, "must be at least 1");
        int frames = scenes.Frames, side = scenes.Side, plane = 3 * side * side;
        int n = FrameClassifier.Classes * clipsPerClass;
        var pixels = new float[(long)n * frames * plane];
        var labels = new int[n * frames];
        var clip = new float[frames * plane];
        int k = 0;
        for (int c = 0; c < FrameClassifier.Classes; c++)
        for (int i = 0; i < clipsPerClass; i++, k++)
        {
            scenes.Render(scenes.Draw(new Random(seed + 1000 * c + i), c), clip);
            for (int f = 0; f < frames; f++)
                CopyFrame(clip, frames, side, f, pixels.AsSpan((k * frames + f) * plane, plane));
            labels.AsSpan(k * frames, frames).Fill(c);
        }
        return new FrameSet(pixels, labels, plane);
    }

    /// <summary>Frame <paramref name="frame"/> [3, S, S] of a clip stored as [3, T, S, S].</summary>
    public static void CopyFrame(ReadOnlySpan<float> clip, int frames, int side, int frame, Span<float> destination)
    {
        int plane = side * side;
        for (int c = 0; c < 3; c++)
            clip.Slice((c * frames + frame) * plane, plane).CopyTo(destination.Slice(c * plane, plane));
    }

    /// <summary>A 3x3 box filter of a frame [3, S, S] (edges use the pixels inside the frame).</summary>
    public static void BoxBlur(ReadOnlySpan<float> frame, int side, Span<float> destination)
    {
        int plane = side * side;
        for (int c = 0; c < 3; c++)
        for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++)
        {
            float sum = 0;
            int count = 0;
            for (int dy = -1; dy <= 1; dy++)
            {
                int yy = y + dy;
                if (yy < 0 || yy >= side) continue;
                for (int dx = -1; dx <= 1; dx++)
                {
                    int xx = x + dx;
                    if (xx < 0 || xx >= side) continue;
                    sum += frame[c * plane + yy * side + xx];
                    count++;
                }
            }
            destination[c * plane + y * side + x] = sum / count;
        }
    }
}
