namespace Jano.Training.Classifier;

/// <summary>Frames of fresh random <see cref="ClipSource"/> clips (random class each); a batch takes every frame of
/// consecutive clips, the last clip possibly in part. An epoch is <see cref="FramesPerEpoch"/> frames.</summary>
public sealed class ClipFrameSampler : IFrameSampler
{
    private readonly ClipSource _clips;
    private readonly float[] _clip;

    public ClipFrameSampler(ClipSource clips, int framesPerEpoch = 60000)
    {
        if (framesPerEpoch < 1) throw new ArgumentException($"framesPerEpoch ({framesPerEpoch}) must be at least 1");
        _clips = clips;
        _clip = new float[clips.Frames * FrameSet.GreyPlane];
        FramesPerEpoch = framesPerEpoch;
    }

    public int FramesPerEpoch { get; }

    public int Channels => 1;

    public int Side => FrameClassifier.DefaultSide;

    public void Batch(Random rng, Span<float> pixels, Span<long> labels)
    {
        int b = 0;
        while (b < labels.Length)
        {
            int label = _clips.NextSample(rng, _clip);
            for (int f = 0; f < _clips.Frames && b < labels.Length; f++, b++)
            {
                _clip.AsSpan(f * FrameSet.GreyPlane, FrameSet.GreyPlane).CopyTo(pixels.Slice(b * FrameSet.GreyPlane, FrameSet.GreyPlane));
                labels[b] = label;
            }
        }
    }
}
