namespace Jano.Training.Scenes;

/// <summary>
/// Procedural static backgrounds for <see cref="SceneSource"/>, one per integer seed (deterministic). Every background
/// has smooth areas and one textured area, in one of three layouts:
/// <list type="bullet">
/// <item><c>0</c>: gradient sky, a textured wall band, a plain floor;</item>
/// <item><c>1</c>: gradient sky, a plain wall band, a textured floor;</item>
/// <item><c>2</c>: a room: a textured wall on one side, a plain wall (soft gradient) on the other, a plain floor.</item>
/// </list>
/// Textures: bricks (mortar lines, per-brick shade), foliage (two octaves of smooth value noise, bumpy top edge),
/// stripes (vertical, horizontal or diagonal, soft edges) and tiles (a checkerboard with grout lines).
/// Colours are RGB in [0, 1], planar [3, side, side].
/// </summary>
public static class SceneBackground
{
    /// <summary>Layouts (see the type's summary).</summary>
    public const int Layouts = 3;

    /// <summary>Textures: 0 bricks, 1 foliage, 2 stripes, 3 tiles.</summary>
    public const int Textures = 4;

    /// <summary>Renders background <paramref name="seed"/> at <paramref name="side"/>×<paramref name="side"/> into a new planar RGB array.</summary>
    public static float[] Render(int seed, int side)
    {
        if (side < 16) throw new ArgumentOutOfRangeException(nameof(side), side, "side must be at least 16");
        var rng = new Random(seed);
        var rgb = new float[3 * side * side];
        int layout = rng.Next(Layouts);
        int texture = rng.Next(Textures);
        double unit = side / 64.0;
        var tex = TextureParams.Draw(rng, texture, unit);
        var sky = (Top: SkyTop(rng), Bottom: SkyBottom(rng));
        var wall = Plain(rng, 0.35, 0.8);
        var floor = Plain(rng, 0.25, 0.6);
        int horizon = (int)Math.Round((layout == 1 ? 22 + rng.Next(10) : 16 + rng.Next(10)) * unit);
        int floorLine = (int)Math.Round((44 + rng.Next(10)) * unit);
        int split = (int)Math.Round((20 + rng.Next(25)) * unit);
        bool textureLeft = rng.Next(2) == 0;
        double floorShade = 0.15 + 0.2 * rng.NextDouble();
        for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++)
        {
            (double R, double G, double B) c;
            double fy = (double)y / (side - 1);
            switch (layout)
            {
                case 0:
                    c = y < horizon - tex.EdgeBump(x) ? Mix(sky.Top, sky.Bottom, y / (double)Math.Max(1, horizon))
                        : y < floorLine ? tex.At(x, y)
                        : Shade(floor, 1 - floorShade * (y - floorLine) / Math.Max(1.0, side - floorLine));
                    break;
                case 1:
                    c = y < horizon ? Mix(sky.Top, sky.Bottom, y / (double)Math.Max(1, horizon))
                        : y < floorLine - tex.EdgeBump(x) ? Shade(wall, 1 - 0.12 * (y - horizon) / Math.Max(1.0, floorLine - horizon))
                        : tex.At(x, y);
                    break;
                default:
                    bool inTexture = textureLeft ? x < split : x >= split;
                    c = y >= floorLine ? Shade(floor, 1 - floorShade * (y - floorLine) / Math.Max(1.0, side - floorLine))
                        : inTexture ? tex.At(x, y)
                        : Shade(wall, 0.88 + 0.12 * (textureLeft ? (double)(x - split) / side : (double)(split - x) / side) + 0.05 * fy);
                    break;
            }
            int i = y * side + x;
            rgb[i] = (float)Math.Clamp(c.R, 0, 1);
            rgb[side * side + i] = (float)Math.Clamp(c.G, 0, 1);
            rgb[2 * side * side + i] = (float)Math.Clamp(c.B, 0, 1);
        }
        return rgb;
    }

    private static (double, double, double) SkyTop(Random rng) => rng.Next(3) switch
    {
        0 => Hsv(0.58 + 0.06 * rng.NextDouble(), 0.55 + 0.3 * rng.NextDouble(), 0.55 + 0.3 * rng.NextDouble()),   // blue
        1 => Hsv(0.68 + 0.1 * rng.NextDouble(), 0.35 + 0.3 * rng.NextDouble(), 0.35 + 0.25 * rng.NextDouble()),    // dusk violet
        _ => Hsv(0.55 + 0.05 * rng.NextDouble(), 0.2 + 0.2 * rng.NextDouble(), 0.6 + 0.25 * rng.NextDouble()),     // overcast
    };

    private static (double, double, double) SkyBottom(Random rng) => rng.Next(3) switch
    {
        0 => Hsv(0.55 + 0.05 * rng.NextDouble(), 0.1 + 0.2 * rng.NextDouble(), 0.85 + 0.15 * rng.NextDouble()),    // pale
        1 => Hsv(0.05 + 0.07 * rng.NextDouble(), 0.35 + 0.3 * rng.NextDouble(), 0.8 + 0.2 * rng.NextDouble()),     // sunset
        _ => Hsv(0.12 + 0.05 * rng.NextDouble(), 0.15 + 0.2 * rng.NextDouble(), 0.75 + 0.2 * rng.NextDouble()),    // haze
    };

    private static (double, double, double) Plain(Random rng, double vMin, double vMax) =>
        Hsv(rng.NextDouble(), 0.1 + 0.35 * rng.NextDouble(), vMin + (vMax - vMin) * rng.NextDouble());

    internal static (double R, double G, double B) Hsv(double h, double s, double v)
    {
        h = (h % 1 + 1) % 1 * 6;
        int sector = (int)h;
        double f = h - sector, p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
        return sector switch
        {
            0 => (v, t, p),
            1 => (q, v, p),
            2 => (p, v, t),
            3 => (p, q, v),
            4 => (t, p, v),
            _ => (v, p, q),
        };
    }

    internal static (double R, double G, double B) Mix((double R, double G, double B) a, (double R, double G, double B) b, double t)
    {
        t = Math.Clamp(t, 0, 1);
        return (a.R + (b.R - a.R) * t, a.G + (b.G - a.G) * t, a.B + (b.B - a.B) * t);
    }

    private static (double R, double G, double B) Shade((double R, double G, double B) c, double k) => (c.R * k, c.G * k, c.B * k);

    private static double SmoothStep(double e0, double e1, double x)
    {
        double t = Math.Clamp((x - e0) / (e1 - e0), 0, 1);
        return t * t * (3 - 2 * t);
    }

    /// <summary>The drawn parameters of one texture and its evaluation at a pixel.</summary>
    private sealed class TextureParams
    {
        private int _kind;
        private (double R, double G, double B) _a, _b, _line;
        private double _period, _height, _angle, _jitter;
        private int _offsetX, _offsetY, _hashSeed;
        private double[] _noiseCoarse = [], _noiseFine = [], _edge = [];
        private int _coarseW, _fineW;
        private double _coarseCell, _fineCell, _bump;

        public static TextureParams Draw(Random rng, int kind, double unit)
        {
            var t = new TextureParams { _kind = kind, _offsetX = (int)(rng.Next(64) * unit), _offsetY = (int)(rng.Next(64) * unit), _hashSeed = rng.Next() };
            switch (kind)
            {
                case 0: // bricks
                    t._a = Hsv(0.0 + 0.08 * rng.NextDouble(), 0.45 + 0.35 * rng.NextDouble(), 0.45 + 0.3 * rng.NextDouble());
                    if (rng.Next(4) == 0) t._a = Hsv(0.1 * rng.NextDouble(), 0.1 * rng.NextDouble(), 0.45 + 0.25 * rng.NextDouble());
                    t._line = Hsv(0.1, 0.1 * rng.NextDouble(), 0.7 + 0.2 * rng.NextDouble());
                    t._period = (9 + rng.Next(5)) * unit;   // brick width
                    t._height = (5 + rng.Next(2)) * unit;   // brick height (course)
                    t._jitter = 0.08 + 0.08 * rng.NextDouble();
                    break;
                case 1: // foliage
                    double hue = 0.22 + 0.12 * rng.NextDouble();
                    t._a = Hsv(hue, 0.6 + 0.3 * rng.NextDouble(), 0.15 + 0.15 * rng.NextDouble());
                    t._b = Hsv(hue - 0.04 + 0.08 * rng.NextDouble(), 0.5 + 0.3 * rng.NextDouble(), 0.5 + 0.3 * rng.NextDouble());
                    t._coarseCell = (6 + rng.Next(3)) * unit;
                    t._fineCell = (3 + rng.NextDouble()) * unit;
                    t._coarseW = (int)(128 * unit / t._coarseCell) + 3;   // covers the offset plus the frame
                    t._fineW = (int)(128 * unit / t._fineCell) + 3;
                    t._noiseCoarse = Noise(rng, t._coarseW * t._coarseW);
                    t._noiseFine = Noise(rng, t._fineW * t._fineW);
                    t._edge = Noise(rng, t._coarseW);
                    t._bump = (2 + rng.Next(3)) * unit;
                    break;
                case 2: // stripes
                    t._a = Hsv(rng.NextDouble(), 0.3 + 0.5 * rng.NextDouble(), 0.35 + 0.45 * rng.NextDouble());
                    t._b = Hsv(rng.NextDouble(), 0.2 + 0.4 * rng.NextDouble(), 0.2 + 0.6 * rng.NextDouble());
                    t._period = (6 + rng.Next(6)) * unit;
                    t._angle = rng.Next(4) * Math.PI / 4;
                    break;
                default: // tiles
                    t._a = Hsv(rng.NextDouble(), 0.15 + 0.4 * rng.NextDouble(), 0.55 + 0.35 * rng.NextDouble());
                    t._b = Hsv(rng.NextDouble(), 0.15 + 0.4 * rng.NextDouble(), 0.2 + 0.35 * rng.NextDouble());
                    t._line = Hsv(0.1, 0.05, 0.6 + 0.3 * rng.NextDouble());
                    t._period = (7 + rng.Next(4)) * unit;
                    break;
            }
            return t;
        }

        private static double[] Noise(Random rng, int n)
        {
            var v = new double[n];
            for (int i = 0; i < n; i++) v[i] = rng.NextDouble();
            return v;
        }

        /// <summary>How far (pixels) the texture's top edge rises above its nominal line at column x (foliage only).</summary>
        public double EdgeBump(int x) => _kind == 1 ? _bump * Smooth1(_edge, _coarseW, x / _coarseCell) : 0;

        public (double R, double G, double B) At(int x, int y)
        {
            double px = x + _offsetX, py = y + _offsetY;
            switch (_kind)
            {
                case 0:
                {
                    int row = (int)Math.Floor(py / _height);
                    double sx = px + (row % 2 == 0 ? 0 : _period / 2);
                    int col = (int)Math.Floor(sx / _period);
                    double inX = sx - col * _period, inY = py - row * _height;
                    if (inX < 1 || inY < 1) return _line;
                    double shade = 1 + _jitter * (2 * Hash(col, row) - 1);
                    return (_a.R * shade, _a.G * shade, _a.B * shade);
                }
                case 1:
                {
                    double n = 0.6 * Smooth2(_noiseCoarse, _coarseW, px / _coarseCell, py / _coarseCell)
                             + 0.4 * Smooth2(_noiseFine, _fineW, px / _fineCell, py / _fineCell);
                    return Mix(_a, _b, SmoothStep(0.25, 0.75, n));
                }
                case 2:
                {
                    double u = px * Math.Cos(_angle) + py * Math.Sin(_angle);
                    return Mix(_a, _b, SmoothStep(-0.35, 0.35, Math.Sin(2 * Math.PI * u / _period)));
                }
                default:
                {
                    double inX = px % _period, inY = py % _period;
                    if (inX < 1 || inY < 1) return _line;
                    bool dark = ((int)(px / _period) + (int)(py / _period)) % 2 == 0;
                    return dark ? _b : _a;
                }
            }
        }

        private double Hash(int a, int b)
        {
            uint h = (uint)(a * 73856093) ^ (uint)(b * 19349663) ^ (uint)_hashSeed;
            h ^= h >> 13;
            h *= 0x5bd1e995;
            h ^= h >> 15;
            return (h & 0xFFFFFF) / (double)0x1000000;
        }

        private static double Smooth1(double[] g, int w, double x)
        {
            int x0 = (int)Math.Floor(x);
            double f = x - x0;
            f = f * f * (3 - 2 * f);
            return g[Math.Clamp(x0, 0, w - 1)] * (1 - f) + g[Math.Clamp(x0 + 1, 0, w - 1)] * f;
        }

        private static double Smooth2(double[] g, int w, double x, double y)
        {
            int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
            double fx = x - x0, fy = y - y0;
            fx = fx * fx * (3 - 2 * fx);
            fy = fy * fy * (3 - 2 * fy);
            double At(int xx, int yy) => g[Math.Clamp(yy, 0, w - 1) * w + Math.Clamp(xx, 0, w - 1)];
            return (1 - fy) * ((1 - fx) * At(x0, y0) + fx * At(x0 + 1, y0)) + fy * ((1 - fx) * At(x0, y0 + 1) + fx * At(x0 + 1, y0 + 1));
        }
    }
}
