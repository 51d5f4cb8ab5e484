namespace Jano.Training.Scenes;

/// <summary>
/// Procedural scene clips, RGB in [-1, 1], shape [3, T, side, side] (default 8 frames of 64×64): a colourised
/// Fashion-MNIST item, 38-46 px at 64 px (scaled with the side), with a soft drop shadow, moving in a straight line
/// (0.5-1.5 px per frame) and slowly turning (at most 0.04 rad per frame) over a static <see cref="SceneBackground"/>.
/// Items come from the Fashion-MNIST split and background seeds from the range of the <see cref="SceneSplit"/>;
/// everything is drawn from the caller's <see cref="Random"/>, so a seed gives the same clips.
/// </summary>
public sealed class SceneSource : ISampleSource
{
    private readonly FashionMnist _data;
    private readonly int[][] _byClass;

    /// <param name="data">The Fashion-MNIST split named by <see cref="SceneSplit.ImageSplit"/> (see <see cref="Load"/>).</param>
    /// <param name="split">Data split (items and background seeds).</param>
    /// <param name="frames">Frames per clip, at least 1.</param>
    /// <param name="side">Frame side in pixels, a multiple of 4 and at least 16.</param>
    public SceneSource(FashionMnist data, SceneSplit split, int frames = 8, int side = DefaultSide)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(split);
        if (frames < 1) throw new ArgumentOutOfRangeException(nameof(frames), frames, "frames must be positive");
        if (side < 16 || side % 4 != 0) throw new ArgumentOutOfRangeException(nameof(side), side, "side must be a multiple of 4 and at least 16");
        if (split.BackgroundCount < 1) throw new ArgumentException($"split '{split.Name}' has no background seeds", nameof(split));
        _data = data;
        _byClass = data.ByClass();
        for (int c = 0; c < _byClass.Length; c++)
            if (_byClass[c].Length == 0) throw new ArgumentException($"the Fashion-MNIST data has no item of class {c}", nameof(data));
        Split = split;
        Frames = frames;
        Side = side;
    }

    /// <summary>Frame side of the shipped scenes model.</summary>
    public const int DefaultSide = 64;

    /// <summary>Loads the Fashion-MNIST split that <paramref name="split"/> names from <paramref name="directory"/>.</summary>
    public static SceneSource Load(string directory, SceneSplit split, int frames = 8, int side = DefaultSide)
    {
        ArgumentNullException.ThrowIfNull(split);
        return new SceneSource(FashionMnist.Load(directory, split.ImageSplit), split, frames, side);
    }

    public SceneSplit Split { get; }

    public int Frames { get; }

    public int Side { get; }

    /// <summary>[3, T, side, side].</summary>
    public long[] Shape => [3, Frames, Side, Side];

    public int NextSample(Random rng, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var clip = Draw(rng, rng.Next(10));
        Render(clip, destination);
        return clip.Label;
    }

    /// <summary>Draws a clip of class <paramref name="label"/>: item, background seed, colour and motion.</summary>
    public SceneClip Draw(Random rng, int label)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if ((uint)label >= 10) throw new ArgumentOutOfRangeException(nameof(label), label, "label must be in 0..9");
        var pool = _byClass[label];
        int item = pool[rng.Next(pool.Length)];
        int background = Split.FirstBackgroundSeed + rng.Next(Split.BackgroundCount);
        double unit = Side / 64.0;
        double size = (38 + rng.Next(9)) * unit;
        double speed = (0.5 + rng.NextDouble()) * unit, direction = rng.NextDouble() * 2 * Math.PI;
        double vx = speed * Math.Cos(direction), vy = speed * Math.Sin(direction);
        double lo = size / 2 - 3 * unit, hi = Side - size / 2 + 3 * unit, span = Frames - 1;
        double x0 = StartOnPath(rng, lo, hi, ref vx, span), y0 = StartOnPath(rng, lo, hi, ref vy, span);
        double angle0 = (rng.NextDouble() * 2 - 1) * 0.2, spin = (rng.NextDouble() * 2 - 1) * 0.04;
        var tint = SceneBackground.Hsv(rng.NextDouble(), 0.25 + 0.45 * rng.NextDouble(), 0.9 + 0.1 * rng.NextDouble());
        return new SceneClip(label, item, background, size, x0, y0, vx, vy, angle0, spin, tint);
    }

    // A start in [lo, hi] such that start + v·span stays in [lo, hi]; v shrinks when the range is too short.
    private static double StartOnPath(Random rng, double lo, double hi, ref double v, double span)
    {
        double travel = v * span, room = hi - lo;
        if (Math.Abs(travel) > room) v = v * room / Math.Abs(travel);
        travel = v * span;
        double min = travel >= 0 ? lo : lo - travel, max = travel >= 0 ? hi - travel : hi;
        return min + rng.NextDouble() * Math.Max(0, max - min);
    }

    /// <summary>Renders <paramref name="clip"/> into <paramref name="destination"/> (3·T·side·side floats, [C, T, H, W]).
    /// When <paramref name="alpha"/> is not empty (T·side·side floats) it receives the item's coverage per pixel.</summary>
    public void Render(SceneClip clip, Span<float> destination, Span<float> alpha = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        int plane = Side * Side;
        if (destination.Length != 3 * Frames * plane)
            throw new ArgumentException($"destination holds {destination.Length} floats; a clip needs {3 * Frames * plane}", nameof(destination));
        if (!alpha.IsEmpty && alpha.Length != Frames * plane)
            throw new ArgumentException($"alpha holds {alpha.Length} floats; a clip needs {Frames * plane}", nameof(alpha));
        var background = SceneBackground.Render(clip.BackgroundSeed, Side);
        var item = _data.Intensity(clip.ItemIndex);
        var frame = new float[3 * plane];
        var cover = new float[plane];
        for (int f = 0; f < Frames; f++)
        {
            Compose(clip, item, background, f, frame, cover);
            for (int c = 0; c < 3; c++) frame.AsSpan(c * plane, plane).CopyTo(destination.Slice((c * Frames + f) * plane, plane));
            if (!alpha.IsEmpty) cover.CopyTo(alpha.Slice(f * plane, plane));
        }
    }

    /// <summary>Renders frame <paramref name="frame"/> of <paramref name="clip"/> alone into <paramref name="destination"/>
    /// (3·side·side floats, [C, H, W], values in [-1, 1]).</summary>
    public void RenderFrame(SceneClip clip, int frame, Span<float> destination) => RenderFrames(clip, [frame], destination);

    /// <summary>Renders frames <paramref name="frames"/> of <paramref name="clip"/> (in that order) into
    /// <paramref name="destination"/> (frames.Length·3·side·side floats, [k, C, H, W], values in [-1, 1]): the same pixels
    /// as <see cref="Render"/> gives those frames, with the background drawn once.</summary>
    public void RenderFrames(SceneClip clip, ReadOnlySpan<int> frames, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(clip);
        int plane = 3 * Side * Side;
        if (destination.Length != frames.Length * plane)
            throw new ArgumentException($"destination holds {destination.Length} floats; {frames.Length} frame(s) need {frames.Length * plane}", nameof(destination));
        foreach (int f in frames)
            if ((uint)f >= (uint)Frames) throw new ArgumentOutOfRangeException(nameof(frames), f, $"frame must be in 0..{Frames - 1}");
        if (frames.IsEmpty) return;
        var item = _data.Intensity(clip.ItemIndex);
        var background = SceneBackground.Render(clip.BackgroundSeed, Side);
        var buffer = new float[plane];
        var cover = new float[Side * Side];
        for (int i = 0; i < frames.Length; i++)
        {
            Compose(clip, item, background, frames[i], buffer, cover);
            buffer.CopyTo(destination.Slice(i * plane, plane));
        }
    }

    // One frame, [3, side, side] in [-1, 1]: background darkened by the shadow, then the item composited over it.
    private void Compose(SceneClip clip, float[] item, float[] background, int f, float[] frame, float[] cover)
    {
        int plane = Side * Side;
        double unit = Side / 64.0;
        double cx = clip.X0 + clip.Vx * f, cy = clip.Y0 + clip.Vy * f, angle = clip.Angle0 + clip.Spin * f;
        Coverage(item, cx + 1.5 * unit, cy + 2 * unit, clip.Size, angle, cover, out _);
        for (int i = 0; i < plane; i++)
        {
            double shade = 1 - 0.45 * cover[i];
            for (int c = 0; c < 3; c++) frame[c * plane + i] = (float)(background[c * plane + i] * shade);
        }
        var tint = new[] { clip.Tint.R, clip.Tint.G, clip.Tint.B };
        Coverage(item, cx, cy, clip.Size, angle, cover, out var intensity);
        for (int i = 0; i < plane; i++)
        {
            double a = cover[i];
            if (a > 0)
            {
                double light = 0.45 + 0.55 * intensity[i];
                for (int c = 0; c < 3; c++)
                {
                    int k = c * plane + i;
                    frame[k] = (float)(frame[k] * (1 - a) + tint[c] * light * a);
                }
            }
            for (int c = 0; c < 3; c++) frame[c * plane + i] = frame[c * plane + i] * 2 - 1;
        }
    }

    // Per pixel: the item's coverage a = clamp(6·i, 0, 1) and its intensity i, for the 28×28 item scaled to size×size,
    // rotated by angle and centred at (cx, cy); bilinear sampling, zero outside the item.
    private void Coverage(float[] item, double cx, double cy, double size, double angle, float[] cover, out float[] intensity)
    {
        intensity = new float[Side * Side];
        Array.Clear(cover);
        double scale = FashionMnist.Side / size, cos = Math.Cos(angle), sin = Math.Sin(angle);
        int r = (int)Math.Ceiling(size * 0.75);
        for (int y = Math.Max(0, (int)cy - r); y <= Math.Min(Side - 1, (int)cy + r); y++)
        for (int x = Math.Max(0, (int)cx - r); x <= Math.Min(Side - 1, (int)cx + r); x++)
        {
            double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
            double u = (cos * dx + sin * dy) * scale + FashionMnist.Side / 2.0 - 0.5;
            double v = (-sin * dx + cos * dy) * scale + FashionMnist.Side / 2.0 - 0.5;
            if (u < -1 || v < -1 || u > FashionMnist.Side || v > FashionMnist.Side) continue;
            double i = Math.Clamp(Bilinear(item, u, v), 0, 1);
            intensity[y * Side + x] = (float)i;
            cover[y * Side + x] = (float)Math.Min(1, 6 * i);
        }
    }

    private static double Bilinear(float[] g, double x, double y)
    {
        const int w = FashionMnist.Side;
        int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
        double fx = x - x0, fy = y - y0;
        double At(int xx, int yy) => xx < 0 || yy < 0 || xx >= w || yy >= w ? 0 : g[yy * w + xx];
        return (1 - fy) * ((1 - fx) * At(x0, y0) + fx * At(x0 + 1, y0)) + fy * ((1 - fx) * At(x0, y0 + 1) + fx * At(x0 + 1, y0 + 1));
    }
}
