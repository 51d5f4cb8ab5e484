namespace Jano.Acceleration.JanoMethod;

/// <summary>
/// The "inward diffusion" enhancement of one temporal slice of the block score (reference spec §1.5):
/// low-score regions enclosed by a high-score outline (object interiors) are raised towards the outline's
/// mean score. Scores are not re-normalised afterwards, so enhanced values may exceed 1.
/// </summary>
public static class InwardEnhancement
{
    /// <summary>Contour cut: <c>G &gt; μ + ContourSigma·σ</c>.</summary>
    private const double ContourSigma = 0.3;

    /// <summary>Boundary cells within this distance of the contour count as "close".</summary>
    private const double CloseDistance = 2.0;

    /// <summary>Fraction of close boundary cells a region needs to be a true interior.</summary>
    private const float CloseFraction = 0.3f;

    /// <summary>
    /// Returns an enhanced copy of <paramref name="grid"/>; the input is not modified.
    /// </summary>
    /// <param name="grid">Scores of one temporal slice, <c>nh·nw</c> values in (h, w) row-major order
    /// (min-max normalised over the whole analysis).</param>
    /// <param name="nh">Rows of the block grid.</param>
    /// <param name="nw">Columns of the block grid.</param>
    /// <param name="dStrength">Enhancement strength (multiplies the contour mean).</param>
    /// <param name="dDistance">Only interior cells at most this far (Euclidean, in cells) from the contour
    /// are enhanced; the weight is <c>exp(−dist / (dDistance/2))</c>.</param>
    public static double[] Apply(double[] grid, int nh, int nw, double dStrength, double dDistance)
    {
        ArgumentNullException.ThrowIfNull(grid);
        if (nh <= 0 || nw <= 0)
            throw new ArgumentException($"grid dimensions must be positive, got {nh}x{nw}");
        if ((long)nh * nw != grid.Length)
            throw new ArgumentException($"grid has {grid.Length} values but {nh}x{nw} = {(long)nh * nw} were expected");
        if (!(dDistance > 0.0))
            throw new ArgumentException($"d_distance must be positive, got {dDistance}");

        var result = (double[])grid.Clone();
        int count = grid.Length;
        if (count < 2) return result; // the unbiased std is undefined: nothing is a contour

        double mean = 0;
        foreach (double v in grid) mean += v;
        mean /= count;
        double sq = 0;
        foreach (double v in grid) sq += (v - mean) * (v - mean);
        double std = Math.Sqrt(sq / (count - 1));
        double contourCut = mean + ContourSigma * std;

        var contour = new bool[count];
        var candidate = new bool[count];
        bool anyContour = false, anyLow = false;
        for (int r = 0; r < nh; r++)
        {
            for (int c = 0; c < nw; c++)
            {
                int i = r * nw + c;
                contour[i] = grid[i] > contourCut;
                bool low = grid[i] < mean;
                anyContour |= contour[i];
                anyLow |= low;
                bool border = r == 0 || r == nh - 1 || c == 0 || c == nw - 1;
                candidate[i] = low && !border;
            }
        }
        if (!anyContour || !anyLow) return result;

        double[] dist = DistanceToContour(contour, nh, nw);
        bool[] interior = TrueInteriors(candidate, dist, nh, nw);

        double contourSum = 0;
        int contourCount = 0;
        for (int i = 0; i < count; i++)
        {
            if (!contour[i]) continue;
            contourSum += grid[i];
            contourCount++;
        }
        double contourMean = contourSum / contourCount;

        double scale = dDistance / 2.0;
        for (int i = 0; i < count; i++)
        {
            if (interior[i] && dist[i] <= dDistance)
                result[i] += Math.Exp(-dist[i] / scale) * contourMean * dStrength;
        }
        return result;
    }

    /// <summary>Exact Euclidean distance of every cell to the nearest contour cell (0 on the contour);
    /// brute force, the grids are small. Requires at least one contour cell.</summary>
    private static double[] DistanceToContour(bool[] contour, int nh, int nw)
    {
        var contourCells = new List<(int R, int C)>();
        for (int i = 0; i < contour.Length; i++)
            if (contour[i]) contourCells.Add((i / nw, i % nw));

        var dist = new double[contour.Length];
        for (int r = 0; r < nh; r++)
        {
            for (int c = 0; c < nw; c++)
            {
                long best = long.MaxValue;
                foreach (var (cr, cc) in contourCells)
                {
                    long dr = r - cr, dc = c - cc;
                    long d2 = dr * dr + dc * dc;
                    if (d2 < best) best = d2;
                }
                dist[r * nw + c] = Math.Sqrt(best);
            }
        }
        return dist;
    }

    /// <summary>
    /// Cells of 8-connected candidate components that are true interiors: at least 2 cells, and at least
    /// 30 % of the component's outer boundary (4-neighbour dilation minus the component, inside the grid)
    /// lies within distance 2 of the contour.
    /// </summary>
    private static bool[] TrueInteriors(bool[] candidate, double[] dist, int nh, int nw)
    {
        int count = candidate.Length;
        var interior = new bool[count];
        var label = new int[count];
        var inBoundary = new int[count]; // stamp = component id, avoids clearing per component
        var stack = new Stack<int>();
        var members = new List<int>();
        int next = 0;

        for (int seed = 0; seed < count; seed++)
        {
            if (!candidate[seed] || label[seed] != 0) continue;
            int id = ++next;
            members.Clear();
            label[seed] = id;
            stack.Push(seed);
            while (stack.Count > 0)
            {
                int i = stack.Pop();
                members.Add(i);
                int r = i / nw, c = i % nw;
                for (int dr = -1; dr <= 1; dr++)
                {
                    for (int dc = -1; dc <= 1; dc++)
                    {
                        int rr = r + dr, cc = c + dc;
                        if ((dr == 0 && dc == 0) || rr < 0 || rr >= nh || cc < 0 || cc >= nw) continue;
                        int j = rr * nw + cc;
                        if (!candidate[j] || label[j] != 0) continue;
                        label[j] = id;
                        stack.Push(j);
                    }
                }
            }

            if (members.Count < 2) continue;

            int boundary = 0, close = 0;
            foreach (int i in members)
            {
                int r = i / nw, c = i % nw;
                Span<(int R, int C)> neighbours = [(r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)];
                foreach (var (rr, cc) in neighbours)
                {
                    if (rr < 0 || rr >= nh || cc < 0 || cc >= nw) continue;
                    int j = rr * nw + cc;
                    if (label[j] == id || inBoundary[j] == id) continue;
                    inBoundary[j] = id;
                    boundary++;
                    if (dist[j] <= CloseDistance) close++;
                }
            }
            // The reference takes a float32 mean of the close flags and compares it with 0.3 in float32.
            if (boundary > 0 && (float)close / boundary >= CloseFraction)
                foreach (int i in members) interior[i] = true;
        }
        return interior;
    }
}
