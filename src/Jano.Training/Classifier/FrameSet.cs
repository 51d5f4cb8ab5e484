namespace Jano.Training.Classifier;

/// <summary>Labelled frames in [-1, 1], row-major, <see cref="Plane"/> floats per frame ([C, S, S]; 32x32 grey by default).</summary>
public sealed class FrameSet
{
    /// <summary>Floats per 32x32 grey frame (the Fashion-MNIST models').</summary>
    public const int GreyPlane = FrameClassifier.DefaultSide * FrameClassifier.DefaultSide;

    /// <summary>Wraps <paramref name="pixels"/> (not copied): <c>labels.Length</c> frames of <paramref name="plane"/> floats.</summary>
    public FrameSet(float[] pixels, int[] labels, int plane = GreyPlane)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        if (plane < 1) throw new ArgumentOutOfRangeException(nameof(plane), plane, "plane must be positive");
        if (pixels.LongLength != (long)labels.Length * plane)
            throw new ArgumentException($"{labels.Length} frames need {(long)labels.Length * plane} floats, got {pixels.LongLength}");
        Pixels = pixels;
        Labels = labels;
        Plane = plane;
    }

    /// <summary>Floats per frame.</summary>
    public int Plane { get; }

    public float[] Pixels { get; }

    public int[] Labels { get; }

    public int Count => Labels.Length;

    /// <summary>The images <paramref name="indices"/> of <paramref name="data"/>, padded to 32x32 as <see cref="ImageSource"/> does.</summary>
    public static FrameSet FromImages(FashionMnist data, IReadOnlyList<int> indices)
    {
        var source = new ImageSource(data);
        var pixels = new float[(long)indices.Count * GreyPlane];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
            labels[i] = source.Write(indices[i], pixels.AsSpan(i * GreyPlane, GreyPlane));
        return new FrameSet(pixels, labels);
    }

    /// <summary>Every image of <paramref name="data"/>.</summary>
    public static FrameSet FromImages(FashionMnist data) => FromImages(data, Enumerable.Range(0, data.Count).ToArray());

    /// <summary>
    /// All frames of <paramref name="clipsPerClass"/> clips of every class built by <paramref name="clips"/>; clip
    /// <c>i</c> of class <c>c</c> uses <c>new Random(seed + 1000 * c + i)</c>, so the set is reproducible.
    /// </summary>
    public static FrameSet FromClips(ClipSource clips, int clipsPerClass, int seed)
    {
        if (clipsPerClass < 1) throw new ArgumentException($"clips per class ({clipsPerClass}) must be at least 1");
        int frames = clips.Frames, n = FrameClassifier.Classes * clipsPerClass;
        var pixels = new float[(long)n * frames * GreyPlane];
        var labels = new int[n * frames];
        int k = 0;
        for (int c = 0; c < FrameClassifier.Classes; c++)
        for (int i = 0; i < clipsPerClass; i++, k++)
        {
            clips.Write(new Random(seed + 1000 * c + i), c, pixels.AsSpan(k * frames * GreyPlane, frames * GreyPlane));
            labels.AsSpan(k * frames, frames).Fill(c);
        }
        return new FrameSet(pixels, labels);
    }
}
