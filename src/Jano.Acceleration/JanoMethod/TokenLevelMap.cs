namespace Jano.Acceleration.JanoMethod;

/// <summary>
/// Maps block levels to transformer tokens (reference spec §1.6, the Wan majority vote): the block levels are
/// painted onto the latent grid, then each token takes the most frequent level over its patch cells.
/// </summary>
public static class TokenLevelMap
{
    /// <summary>
    /// Token levels in patch-embedding order: <c>(f, h, w)</c> row-major over the token grid
    /// <c>(T/pt, H/ph, W/pw)</c>.
    /// </summary>
    /// <param name="blockLevels">Block levels 1..3, <c>nt·nh·nw</c> values in <c>(t, h, w)</c> row-major order.</param>
    /// <param name="grid">Block grid <c>(nt, nh, nw)</c>; must equal the ceiling division of the latent by the block size.</param>
    /// <param name="latentShape">Latent shape <c>[C, T, H, W]</c>; T, H, W must be multiples of the patch.</param>
    /// <param name="blockSize">Block size <c>(bt, bh, bw)</c>; blocks past the latent edge are clipped.</param>
    /// <param name="patch">Patch size <c>(pt, ph, pw)</c> of the patch embedding.</param>
    /// <returns>One level per token; ties in the vote go to the lowest level.</returns>
    public static int[] Map(int[] blockLevels, (int T, int H, int W) grid, long[] latentShape,
                            (int T, int H, int W) blockSize, (int T, int H, int W) patch)
    {
        ArgumentNullException.ThrowIfNull(blockLevels);
        ArgumentNullException.ThrowIfNull(latentShape);
        if (latentShape.Length != 4)
            throw new ArgumentException($"latent shape must be [C, T, H, W], got {latentShape.Length} dimensions");
        long t = latentShape[1], h = latentShape[2], w = latentShape[3];
        if (latentShape[0] <= 0 || t <= 0 || h <= 0 || w <= 0)
            throw new ArgumentException($"latent shape must be positive, got [{string.Join(", ", latentShape)}]");
        if (blockSize.T <= 0 || blockSize.H <= 0 || blockSize.W <= 0)
            throw new ArgumentException(
                $"block size must be positive in every dimension, got ({blockSize.T}, {blockSize.H}, {blockSize.W})");
        if (patch.T <= 0 || patch.H <= 0 || patch.W <= 0)
            throw new ArgumentException($"patch size must be positive in every dimension, got ({patch.T}, {patch.H}, {patch.W})");
        if (t % patch.T != 0 || h % patch.H != 0 || w % patch.W != 0)
            throw new ArgumentException(
                $"latent [T, H, W] = [{t}, {h}, {w}] must be a multiple of the patch ({patch.T}, {patch.H}, {patch.W})");

        long ent = (t + blockSize.T - 1) / blockSize.T, enh = (h + blockSize.H - 1) / blockSize.H,
             enw = (w + blockSize.W - 1) / blockSize.W;
        if (grid.T != ent || grid.H != enh || grid.W != enw)
            throw new ArgumentException(
                $"block grid ({grid.T}, {grid.H}, {grid.W}) does not match latent [{t}, {h}, {w}] with block " +
                $"({blockSize.T}, {blockSize.H}, {blockSize.W}): expected ({ent}, {enh}, {enw})");
        if (blockLevels.Length != ent * enh * enw)
            throw new ArgumentException(
                $"expected {ent * enh * enw} block levels for grid ({grid.T}, {grid.H}, {grid.W}), got {blockLevels.Length}");
        for (int i = 0; i < blockLevels.Length; i++)
            if (blockLevels[i] is < 1 or > 3)
                throw new ArgumentException($"block level {i} is {blockLevels[i]}; levels must be 1, 2 or 3");

        int ft = (int)(t / patch.T), fh = (int)(h / patch.H), fw = (int)(w / patch.W);
        var tokens = new int[checked(ft * fh * fw)];
        Span<int> counts = stackalloc int[4];
        // Every channel carries the same level, so counting over C·pt·ph·pw cells picks the same arg-max
        // as counting over the pt·ph·pw spatial cells.
        for (int f = 0; f < ft; f++)
        {
            for (int i = 0; i < fh; i++)
            {
                for (int j = 0; j < fw; j++)
                {
                    counts.Clear();
                    for (int dt = 0; dt < patch.T; dt++)
                    {
                        int bt = (f * patch.T + dt) / blockSize.T;
                        for (int dh = 0; dh < patch.H; dh++)
                        {
                            int bh = (i * patch.H + dh) / blockSize.H;
                            for (int dw = 0; dw < patch.W; dw++)
                            {
                                int bw = (j * patch.W + dw) / blockSize.W;
                                counts[blockLevels[(bt * grid.H + bh) * grid.W + bw]]++;
                            }
                        }
                    }
                    int best = 1;
                    for (int level = 2; level <= 3; level++)
                        if (counts[level] > counts[best]) best = level;
                    tokens[(f * fh + i) * fw + j] = best;
                }
            }
        }
        return tokens;
    }
}
