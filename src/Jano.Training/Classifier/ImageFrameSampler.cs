namespace Jano.Training.Classifier;

/// <summary>Random Fashion-MNIST images (32x32, as <see cref="ImageSource"/>), each shifted by up to
/// <see cref="MaxShift"/> pixels in x and y (light augmentation; uncovered pixels are black, -1).</summary>
public sealed class ImageFrameSampler : IFrameSampler
{
    private readonly ImageSource _source;
    private readonly float[] _scratch = new float[FrameSet.GreyPlane];

    public ImageFrameSampler(FashionMnist data, int maxShift = 2)
    {
        if (maxShift < 0) throw new ArgumentException($"maxShift ({maxShift}) must not be negative");
        _source = new ImageSource(data);
        FramesPerEpoch = data.Count;
        MaxShift = maxShift;
    }

    public int MaxShift { get; }

    public int Channels => 1;

    public int Side => FrameClassifier.DefaultSide;

    public int FramesPerEpoch { get; }

    public void Batch(Random rng, Span<float> pixels, Span<long> labels)
    {
        const int side = FrameClassifier.DefaultSide;
        for (int b = 0; b < labels.Length; b++)
        {
            labels[b] = _source.NextSample(rng, _scratch);
            int dx = rng.Next(-MaxShift, MaxShift + 1), dy = rng.Next(-MaxShift, MaxShift + 1);
            var dst = pixels.Slice(b * FrameSet.GreyPlane, FrameSet.GreyPlane);
            dst.Fill(-1f);
            for (int y = 0; y < side; y++)
            {
                int sy = y - dy;
                if (sy < 0 || sy >= side) continue;
                for (int x = 0; x < side; x++)
                {
                    int sx = x - dx;
                    if (sx >= 0 && sx < side) dst[y * side + x] = _scratch[sy * side + sx];
                }
            }
        }
    }
}
