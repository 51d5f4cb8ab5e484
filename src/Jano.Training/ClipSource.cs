namespace Jano.Training;

/// <summary>
/// Synthetic clips built on the fly from Fashion-MNIST items: a still, low-contrast textured background (identical in
/// every frame) and one item of the clip's class (sometimes a second, smaller one of the same class) moving in a
/// straight line and slowly turning. Latent [1, T, 32, 32] in [-1, 1].
/// </summary>
public sealed class ClipSource : ISampleSource
{
    private readonly FashionMnist _data;
    private readonly int[][] _byClass;

    public ClipSource(FashionMnist data, int frames = 8)
    {
        if (frames < 1) throw new ArgumentException("frames must be positive");
        _data = data;
        _byClass = data.ByClass();
        Frames = frames;
    }

    public const int Side = 32;

    public int Frames { get; }

    public long[] Shape => [1, Frames, Side, Side];

    public int NextSample(Random rng, Span<float> destination) => Write(rng, rng.Next(10), destination);

    /// <summary>Writes a clip of class <paramref name="label"/>.</summary>
    public int Write(Random rng, int label, Span<float> destination)
    {
        int plane = Side * Side;
        var background = Background(rng);
        for (int f = 0; f < Frames; f++) background.CopyTo(destination.Slice(f * plane, plane));
        var pool = _byClass[label];
        int items = rng.NextDouble() < 0.3 ? 2 : 1;
        for (int k = 0; k < items; k++)
        {
            var item = _data.Intensity(pool[rng.Next(pool.Length)]);
            double size = k == 0 ? 18 + rng.Next(5) : 12 + rng.Next(3);
            double x0 = rng.NextDouble() * (Side - size), y0 = rng.NextDouble() * (Side - size);
            double vx = (rng.NextDouble() * 2 - 1) * 1.6, vy = (rng.NextDouble() * 2 - 1) * 1.6;
            double spin = (rng.NextDouble() * 2 - 1) * 0.12; // radians per frame
            for (int f = 0; f < Frames; f++)
            {
                double cx = Math.Clamp(x0 + vx * f, 0, Side - size) + size / 2;
                double cy = Math.Clamp(y0 + vy * f, 0, Side - size) + size / 2;
                Paste(item, cx, cy, size, spin * f, destination.Slice(f * plane, plane));
            }
        }
        return label;
    }

    // Low-contrast texture around −0.75: two oriented gratings plus smoothed noise, amplitude ≈ 0.12.
    private static float[] Background(Random rng)
    {
        var bg = new float[Side * Side];
        double f1 = 0.3 + rng.NextDouble() * 0.5, a1 = rng.NextDouble() * Math.PI, p1 = rng.NextDouble() * 6.28;
        double f2 = 0.2 + rng.NextDouble() * 0.4, a2 = rng.NextDouble() * Math.PI, p2 = rng.NextDouble() * 6.28;
        var noise = new double[(Side / 4 + 2) * (Side / 4 + 2)];
        for (int i = 0; i < noise.Length; i++) noise[i] = rng.NextDouble() * 2 - 1;
        double level = -0.8 + rng.NextDouble() * 0.15;
        for (int y = 0; y < Side; y++)
        for (int x = 0; x < Side; x++)
        {
            double g1 = Math.Sin(f1 * (x * Math.Cos(a1) + y * Math.Sin(a1)) + p1);
            double g2 = Math.Sin(f2 * (x * Math.Cos(a2) + y * Math.Sin(a2)) + p2);
            double n = Bilinear(noise, Side / 4 + 2, x / 4.0, y / 4.0);
            bg[y * Side + x] = (float)(level + 0.05 * g1 + 0.04 * g2 + 0.04 * n);
        }
        return bg;
    }

    // Alpha-composites the 28x28 item, scaled to size×size, rotated by angle, centred at (cx, cy): a = intensity.
    private static void Paste(float[] item, double cx, double cy, double size, double angle, Span<float> frame)
    {
        double scale = FashionMnist.Side / size, cos = Math.Cos(angle), sin = Math.Sin(angle);
        int r = (int)Math.Ceiling(size * 0.75);
        for (int y = (int)cy - r; y <= (int)cy + r; y++)
        for (int x = (int)cx - r; x <= (int)cx + r; x++)
        {
            if (x < 0 || y < 0 || x >= Side || y >= Side) continue;
            double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
            double u = (cos * dx + sin * dy) * scale + FashionMnist.Side / 2.0 - 0.5;
            double v = (-sin * dx + cos * dy) * scale + FashionMnist.Side / 2.0 - 0.5;
            if (u < -0.5 || v < -0.5 || u > FashionMnist.Side - 0.5 || v > FashionMnist.Side - 0.5) continue;
            double a = Math.Clamp(BilinearF(item, FashionMnist.Side, u, v), 0, 1);
            int i = y * Side + x;
            frame[i] = (float)(frame[i] * (1 - a) + (2 * a - 1) * a);
        }
    }

    private static double Bilinear(double[] g, int w, double x, double y)
    {
        int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
        double fx = x - x0, fy = y - y0;
        double At(int xx, int yy) => g[Math.Clamp(yy, 0, w - 1) * w + Math.Clamp(xx, 0, w - 1)];
        return (1 - fy) * ((1 - fx) * At(x0, y0) + fx * At(x0 + 1, y0)) + fy * ((1 - fx) * At(x0, y0 + 1) + fx * At(x0 + 1, y0 + 1));
    }

    private static double BilinearF(float[] g, int w, double x, double y)
    {
        int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
        double fx = x - x0, fy = y - y0;
        double At(int xx, int yy) => xx < 0 || yy < 0 || xx >= w || yy >= w ? 0 : g[yy * w + xx];
        return (1 - fy) * ((1 - fx) * At(x0, y0) + fx * At(x0 + 1, y0)) + fy * ((1 - fx) * At(x0, y0 + 1) + fx * At(x0 + 1, y0 + 1));
    }
}
