using Jano.Training.Classifier;

namespace Jano.Training.Scenes;

/// <summary>
/// Frames of fresh random <see cref="SceneSource"/> clips (random class each) for the scenes model's frame classifier:
/// a batch takes <see cref="FramesPerClip"/> distinct random frames of each of consecutive clips (the frames of a clip are
/// near-duplicates, so fewer per clip show more items per epoch), the last clip possibly in part; with probability
/// <see cref="BlurProbability"/> a frame is smoothed by a 3x3 box filter (the autoencoder's reconstructions are a little
/// softer than the rendered frames). An epoch is <see cref="FramesPerEpoch"/> frames.
/// </summary>
public sealed class SceneFrameSampler : IFrameSampler
{
    private readonly SceneSource _scenes;
    private readonly float[] _frame;

    public SceneFrameSampler(SceneSource scenes, int framesPerEpoch = 60000, double blurProbability = 0.5, int framesPerClip = 2)
    {
        if (framesPerClip < 1 || framesPerClip > scenes?.Frames)
            throw new ArgumentOutOfRangeException(nameof(framesPerClip), framesPerClip, "must be in 1..frames");
        ArgumentNullException.ThrowIfNull(scenes);
        if (framesPerEpoch < 1) throw new ArgumentOutOfRangeException(nameof(framesPerEpoch), framesPerEpoch, "must be at least 1");
        if (blurProbability is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(blurProbability), blurProbability, "must be in [0, 1]");
        _scenes = scenes;
        _frame = new float[3 * scenes.Side * scenes.Side];
        FramesPerEpoch = framesPerEpoch;
        BlurProbability = blurProbability;
        FramesPerClip = framesPerClip;
    }

    public int FramesPerClip { get; }

    public int Channels => 3;

    public int Side => _scenes.Side;

    public int FramesPerEpoch { get; }

    public double BlurProbability { get; }

    public void Batch(Random rng, Span<float> pixels, Span<long> labels)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int plane = 3 * Side * Side;
        int b = 0;
        while (b < labels.Length)
        {
            var clip = _scenes.Draw(rng, rng.Next(10));                  // the draws SceneSource.NextSample makes
            int label = clip.Label;
            var order = Enumerable.Range(0, _scenes.Frames).ToArray();
            rng.Shuffle(order);
            int take = Math.Min(FramesPerClip, labels.Length - b);
            _scenes.RenderFrames(clip, order.AsSpan(0, take), pixels.Slice(b * plane, take * plane)); // only the frames it uses
            for (int i = 0; i < take; i++, b++)
            {
                var dst = pixels.Slice(b * plane, plane);
                if (rng.NextDouble() < BlurProbability)
                {
                    dst.CopyTo(_frame);
                    SceneFrames.BoxBlur(_frame, Side, dst);
                }
                labels[b] = label;
            }
        }
    }
}
