using TorchSharp;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Core.Analysis;

/// <summary>
/// The ground-truth quantities of the paper's Section 3 study (Fig. 2 and 4): per-block content complexity of a latent,
/// per-block convergence along a denoising trajectory, and the tercile agreement used to score a complexity predictor.
/// Blocks tile a latent <c>[C, T, H, W]</c> with size <c>(bt, bh, bw)</c> over (T, H, W), zero-padded at the far ends up to
/// multiples, giving <c>nt·nh·nw</c> blocks returned in (t, h, w) row-major order (the analyzer's block order).
/// All arithmetic is float64; inputs of any real dtype are converted.
/// </summary>
public static class GroundTruth
{
    /// <summary>
    /// Ground-truth complexity of each block of <paramref name="latent"/> <c>[C, T, H, W]</c>.
    /// The latent is zero-padded at the far end of T, H and W to multiples of the block size. For every channel and every frame of
    /// a block, the <c>bh × bw</c> patch is transformed with a 2-D FFT and centred (fftshift: the DC bin sits at
    /// <c>(bh/2, bw/2)</c>, integer division); the patch's ratio is the energy <c>|F|²</c> of the bins whose Euclidean distance
    /// from the DC bin is greater than <c>r = min(bh, bw)/8</c> (a quarter of the patch's inscribed radius), divided by the total
    /// energy, or 0 when the total is 0 (so all-zero and padded frames count as 0). The block's complexity is the mean ratio over
    /// its C·bt (channel, frame) patches.
    /// </summary>
    /// <returns>One value in [0, 1] per block, (t, h, w) row-major.</returns>
    /// <exception cref="ArgumentException">The latent is not 4-D, or a block size is not positive.</exception>
    public static double[] Complexity(Tensor latent, (int T, int H, int W) block)
    {
        ArgumentNullException.ThrowIfNull(latent);
        CheckLatent(latent, nameof(latent));
        CheckBlock(block);
        var (bt, bh, bw) = block;
        long c = latent.shape[0];
        var (nt, nh, nw) = Grid(latent.shape, block);

        // High-frequency mask on the centred spectrum: distance from (bh/2, bw/2) strictly greater than r.
        double r = Math.Min(bh, bw) / 8.0;
        var mask = new double[bh * bw];
        for (int i = 0; i < bh; i++)
            for (int j = 0; j < bw; j++)
            {
                double di = i - bh / 2, dj = j - bw / 2;
                mask[i * bw + j] = Math.Sqrt(di * di + dj * dj) > r ? 1.0 : 0.0;
            }

        using var scope = torch.NewDisposeScope();
        var x = PadToBlocks(latent.detach().to(ScalarType.Float64), block);                     // [C, nt*bt, nh*bh, nw*bw]
        var blocks = x.reshape(c, nt, bt, nh, bh, nw, bw).permute(1, 3, 5, 0, 2, 4, 6);     // [nt, nh, nw, C, bt, bh, bw]
        var spectrum = torch.fft.fftshift(torch.fft.fft2(blocks), new long[] { -2, -1 });
        var energy = spectrum.abs().square();                                                 // |F|², float64
        var highMask = torch.tensor(mask, new long[] { bh, bw }, ScalarType.Float64, device: x.device);
        var total = energy.sum(new long[] { -2, -1 });                                        // [nt, nh, nw, C, bt]
        var high = (energy * highMask).sum(new long[] { -2, -1 });
        var positive = total.gt(0);
        var ratio = torch.where(positive, high / torch.where(positive, total, torch.ones_like(total)), torch.zeros_like(total));
        var perBlock = ratio.mean(new long[] { 3, 4 }).reshape(-1).cpu();                    // [nt*nh*nw]
        return perBlock.data<double>().ToArray();
    }

    /// <summary>
    /// Ground-truth convergence of each block along a denoising trajectory <c>x(0), …, x(N)</c> (<paramref name="trajectory"/>[s] is the
    /// latent <c>[C, T, H, W]</c> after step s, N = count − 1 ≥ 1).
    /// <para>Integer step rule: <c>s0 = round(N/5)</c> and <c>stride = max(1, round(N/10))</c>, rounding half to even as Python's
    /// <c>round</c> does (N = 25 gives stride 2). The steps used are <c>s = s0, s0 + stride, s0 + 2·stride, …</c> while
    /// <c>s + stride ≤ N</c>; for N = 50 that is s = 10, 15, …, 45 (the paper's "from step 10, every 5 steps").</para>
    /// <para>Raw convergence of a block = Σ over those s of mean |x(s + stride) − x(s)| over the block's cells (all channels; only the
    /// cells that exist in the latent: an edge block that the padding would fill is averaged over its real cells). The raw values
    /// are then min-max normalised over all blocks, <c>(v − min)/(max − min)</c>; all zeros when every block is equal.</para>
    /// </summary>
    /// <returns>One value in [0, 1] per block, (t, h, w) row-major.</returns>
    /// <exception cref="ArgumentException">Fewer than two latents, a latent is not 4-D, the latents differ in shape,
    /// or a block size is not positive.</exception>
    public static double[] Convergence(IReadOnlyList<Tensor> trajectory, (int T, int H, int W) block)
    {
        ArgumentNullException.ThrowIfNull(trajectory);
        if (trajectory.Count < 2)
            throw new ArgumentException($"trajectory needs at least 2 latents (steps 0..N, N >= 1), got {trajectory.Count}", nameof(trajectory));
        CheckBlock(block);
        for (int s = 0; s < trajectory.Count; s++)
        {
            if (trajectory[s] is null) throw new ArgumentException($"trajectory latent {s} is null", nameof(trajectory));
            CheckLatent(trajectory[s], nameof(trajectory));
        }
        var shape = trajectory[0].shape;
        for (int s = 1; s < trajectory.Count; s++)
            if (!trajectory[s].shape.SequenceEqual(shape))
                throw new ArgumentException(
                    $"trajectory latent {s} has shape [{string.Join(",", trajectory[s].shape)}], expected [{string.Join(",", shape)}]",
                    nameof(trajectory));

        var (s0, stride) = ConvergenceSteps(trajectory.Count - 1);
        int n = trajectory.Count - 1;

        double[] raw;
        using (var scope = torch.NewDisposeScope())
        {
            var acc = torch.zeros(shape, ScalarType.Float64, device: trajectory[0].device);
            for (int s = s0; s + stride <= n; s += stride)
            {
                using var inner = torch.NewDisposeScope();
                var later = trajectory[s + stride].detach().to(ScalarType.Float64);
                var earlier = trajectory[s].detach().to(ScalarType.Float64);
                acc.PlusInPlace((later - earlier).abs_());
            }
            raw = BlockMeans(acc, block);
        }
        return MinMax(raw);
    }

    /// <summary>
    /// What freezing a block actually costs, from a full run's per-step model outputs (<paramref name="velocities"/>[i] is the
    /// guided output <c>[C, T, H, W]</c> of step i + 1): per block, the mean over steps <c>s = first … last</c> (1-based, each
    /// with its predecessor s − 1 ≥ 1) of the mean |v(s) − v(s − 1)| over the block's real cells. Not normalised. With
    /// <c>first = W + 1</c> and <c>last = S − C</c> this is the interleaved phase of Jano's schedule (the oracle map).
    /// </summary>
    /// <returns>One value per block, (t, h, w) row-major.</returns>
    /// <exception cref="ArgumentException">The step range is empty or outside 2..count, the outputs differ in shape, or a
    /// block size is not positive.</exception>
    public static double[] VelocityChange(IReadOnlyList<Tensor> velocities, (int T, int H, int W) block, int first, int last)
    {
        ArgumentNullException.ThrowIfNull(velocities);
        first = Math.Max(first, 2);
        if (last > velocities.Count || first > last)
            throw new ArgumentException($"step range {first}..{last} is empty or outside 2..{velocities.Count}", nameof(last));
        // each step against its predecessor: the stale error of a block refreshed every step
        var previous = Enumerable.Range(0, velocities.Count).Select(i => Math.Max(1, i)).ToArray();
        return StaleError(velocities, block, previous, first, last);
    }

    /// <summary>
    /// Stale-velocity error of each block under a refresh schedule: the mean over steps <c>s = first … last</c> (1-based) of
    /// the mean |v(s) − v(r(s))| over the block's real cells, where <c>r(s) = lastRefresh[s − 1]</c> is the step (≤ s) whose
    /// output a frozen block would still be using at step s. With Jano's static refreshes (its level-3 steps) this is
    /// what freezing a block as static costs. Not normalised.
    /// </summary>
    /// <returns>One value per block, (t, h, w) row-major.</returns>
    /// <exception cref="ArgumentException">The step range is empty or outside 1..count, a refresh step is after its step,
    /// or the outputs differ in shape.</exception>
    public static double[] StaleError(IReadOnlyList<Tensor> velocities, (int T, int H, int W) block, IReadOnlyList<int> lastRefresh, int first, int last)
    {
        ArgumentNullException.ThrowIfNull(velocities);
        ArgumentNullException.ThrowIfNull(lastRefresh);
        CheckBlock(block);
        if (first < 1 || last > velocities.Count || first > last || lastRefresh.Count < last)
            throw new ArgumentException($"step range {first}..{last} is empty or outside 1..{velocities.Count}", nameof(last));
        using var scope = torch.NewDisposeScope();
        var acc = torch.zeros(velocities[0].shape, ScalarType.Float64, device: velocities[0].device);
        for (int s = first; s <= last; s++)
        {
            int r = lastRefresh[s - 1];
            if (r < 1 || r > s) throw new ArgumentException($"refresh step {r} of step {s} is not in 1..{s}", nameof(lastRefresh));
            if (!velocities[s - 1].shape.SequenceEqual(velocities[0].shape) || !velocities[r - 1].shape.SequenceEqual(velocities[0].shape))
                throw new ArgumentException("the outputs differ in shape", nameof(velocities));
            using var inner = torch.NewDisposeScope();
            acc.PlusInPlace((velocities[s - 1].detach().to(ScalarType.Float64) - velocities[r - 1].detach().to(ScalarType.Float64)).abs_());
        }
        var means = BlockMeans(acc, block);
        int count = last - first + 1;
        for (int i = 0; i < means.Length; i++) means[i] /= count;
        return means;
    }

    // Per-block mean of `values` [C, T, H, W] (float64) over each block's real cells (padding cells add nothing and are
    // not counted), (t, h, w) row-major.
    private static double[] BlockMeans(Tensor values, (int T, int H, int W) block)
    {
        var shape = values.shape;
        var (bt, bh, bw) = block;
        var (nt, nh, nw) = Grid(shape, block);
        double[] raw;
        using (var scope = torch.NewDisposeScope())
        {
            var sums = PadToBlocks(values, block)
                .reshape(shape[0], nt, bt, nh, bh, nw, bw)
                .sum(new long[] { 0, 2, 4, 6 })                                                    // [nt, nh, nw]
                .reshape(-1).cpu();
            raw = sums.data<double>().ToArray();
        }
        long c = shape[0], t = shape[1], h = shape[2], w = shape[3];
        int k = 0;
        for (int it = 0; it < nt; it++)
            for (int ih = 0; ih < nh; ih++)
                for (int iw = 0; iw < nw; iw++, k++)
                {
                    long cells = c * Math.Min(bt, t - (long)it * bt) * Math.Min(bh, h - (long)ih * bh) * Math.Min(bw, w - (long)iw * bw);
                    raw[k] /= cells;
                }
        return raw;
    }

    /// <summary>
    /// The (first step, stride) pair of <see cref="Convergence"/> for a trajectory of N steps:
    /// <c>(round(N/5), max(1, round(N/10)))</c>, rounding half to even.
    /// </summary>
    public static (int Start, int Stride) ConvergenceSteps(int steps)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be at least 1");
        int s0 = (int)Math.Round(steps / 5.0, MidpointRounding.ToEven);
        int stride = Math.Max(1, (int)Math.Round(steps / 10.0, MidpointRounding.ToEven));
        return (s0, stride);
    }

    /// <summary>
    /// Tercile (0 = lowest third, 1 = middle, 2 = highest) of each value by rank: values are ordered ascending, ties broken by
    /// index (the earlier position ranks lower), and the value of rank <c>r</c> (0-based) among <c>n</c> gets <c>⌊3r/n⌋</c>.
    /// So each tercile holds ⌊n/3⌋ or ⌈n/3⌉ values, and tied values may fall in different terciles.
    /// </summary>
    /// <returns>One index per value; empty for an empty input.</returns>
    /// <exception cref="ArgumentException">A value is NaN.</exception>
    public static int[] Terciles(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Any(double.IsNaN)) throw new ArgumentException("values must not contain NaN", nameof(values));
        int n = values.Length;
        var order = Enumerable.Range(0, n).ToArray();
        Array.Sort(order, (i, j) =>
        {
            int byValue = values[i].CompareTo(values[j]);
            return byValue != 0 ? byValue : i.CompareTo(j);
        });
        var terciles = new int[n];
        for (int rank = 0; rank < n; rank++)
            terciles[order[rank]] = (int)(3L * rank / n);
        return terciles;
    }

    /// <summary>
    /// Fraction of positions whose <see cref="Terciles"/> agree: <c>Terciles(a)[i] == Terciles(b)[i]</c>. With a = a predictor's
    /// per-block score and b = the final sample's <see cref="Complexity"/>, this is the paper's recognition accuracy.
    /// </summary>
    /// <returns>A value in [0, 1].</returns>
    /// <exception cref="ArgumentException">The vectors differ in length, are empty, or contain NaN.</exception>
    public static double TercileAgreement(double[] a, double[] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Length != b.Length)
            throw new ArgumentException($"a and b differ in length: {a.Length} vs {b.Length}", nameof(b));
        if (a.Length == 0) throw new ArgumentException("values must not be empty", nameof(a));
        var ta = Terciles(a);
        var tb = Terciles(b);
        int same = 0;
        for (int i = 0; i < ta.Length; i++)
            if (ta[i] == tb[i]) same++;
        return (double)same / ta.Length;
    }

    private static void CheckLatent(Tensor latent, string param)
    {
        if (latent.dim() != 4)
            throw new ArgumentException($"latent must be 4-D [C,T,H,W], got shape [{string.Join(",", latent.shape)}]", param);
        if (latent.is_complex())
            throw new ArgumentException("latent must be real, got a complex tensor", param);
    }

    private static void CheckBlock((int T, int H, int W) block)
    {
        if (block.T <= 0 || block.H <= 0 || block.W <= 0)
            throw new ArgumentException($"block sizes must be positive, got ({block.T},{block.H},{block.W})", nameof(block));
    }

    private static (long Nt, long Nh, long Nw) Grid(long[] shape, (int T, int H, int W) block) =>
        (CeilDiv(shape[1], block.T), CeilDiv(shape[2], block.H), CeilDiv(shape[3], block.W));

    private static long CeilDiv(long a, long b) => (a + b - 1) / b;

    // Zero-pads [C,T,H,W] at the far end of T, H, W up to multiples of the block (returns x itself-equivalent when no padding is needed).
    private static Tensor PadToBlocks(Tensor x, (int T, int H, int W) block)
    {
        long pt = CeilDiv(x.shape[1], block.T) * block.T - x.shape[1];
        long ph = CeilDiv(x.shape[2], block.H) * block.H - x.shape[2];
        long pw = CeilDiv(x.shape[3], block.W) * block.W - x.shape[3];
        if (pt == 0 && ph == 0 && pw == 0) return x.alias();
        return torch.nn.functional.pad(x, new long[] { 0, pw, 0, ph, 0, pt });             // last dim first
    }

    private static double[] MinMax(double[] v)
    {
        double lo = v.Min(), hi = v.Max();
        var result = new double[v.Length];
        if (hi == lo) return result;
        for (int i = 0; i < v.Length; i++) result[i] = (v[i] - lo) / (hi - lo);
        return result;
    }
}
