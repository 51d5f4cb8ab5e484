using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.JanoMethod;

/// <summary>
/// The Jano block-wise complexity analyzer (reference spec §1.2–1.6): second-order (across-step) changes of
/// the temporal and spatial pairwise-distance structure inside each latent block, mixed, min-max normalised,
/// optionally enhanced inwards, then thresholded into three levels.
/// </summary>
public static class ComplexityAnalyzer
{
    /// <summary>Upper bound on the elements of one pairwise-difference intermediate (blocks are chunked to fit).</summary>
    private const long ChunkElementBudget = 1L << 24;

    /// <summary>
    /// Analyses warm-up features.
    /// </summary>
    /// <param name="features">Stacked features <c>[n, C, T, H, W]</c> of any floating dtype; the analysis
    /// runs in float32 on the tensor's device. The tensor is not modified or disposed.</param>
    /// <param name="settings">Analyzer settings; validated first.</param>
    /// <exception cref="ArgumentException">Invalid settings, wrong rank or dtype, fewer than two features,
    /// or <c>T == 1</c> with a temporal block size other than 1.</exception>
    public static ComplexityAnalysis Analyze(Tensor features, AnalyzerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();

        if (features.dim() != 5)
            throw new ArgumentException(
                $"features must be a 5-D tensor [n, C, T, H, W], got {features.dim()} dimensions");
        if (!IsFloating(features.dtype))
            throw new ArgumentException($"features must have a floating-point dtype, got {features.dtype}");

        long[] shape = features.shape;
        long n = shape[0], c = shape[1], t = shape[2], h = shape[3], w = shape[4];
        if (n < 2)
            throw new ArgumentException($"complexity analysis needs at least 2 features, got {n}");
        if (c <= 0 || t <= 0 || h <= 0 || w <= 0)
            throw new ArgumentException($"features must have non-empty C, T, H, W, got [{string.Join(", ", shape)}]");

        var (bt, bh, bw) = settings.BlockSize;
        Jano.Core.Options.RequestLimits.AnalysisBlock(settings.BlockSize, t, h, w);
        if (t == 1 && bt != 1)
            throw new ArgumentException($"single-frame features (T == 1) need a temporal block size of 1, got {bt}");

        int nt = (int)CeilDiv(t, bt), nh = (int)CeilDiv(h, bh), nw = (int)CeilDiv(w, bw);
        int blocks = checked(nt * nh * nw);
        int lag = (int)(n / 2);

        var (temporal, spatial) = ComputeDynamics(features, settings.BlockSize, (nt, nh, nw), lag);

        // Mix the raw magnitudes, then min-max over all blocks (in double; the inputs are float32).
        var combined = new double[blocks];
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (int b = 0; b < blocks; b++)
        {
            double v = settings.TWeight * temporal[b] + (1.0 - settings.TWeight) * spatial[b];
            if (!double.IsFinite(v))
                throw new ArgumentException(
                    $"features produced a non-finite dynamics value in block {b} (NaN or infinity in the input?)");
            combined[b] = v;
            if (v < min) min = v;
            if (v > max) max = v;
        }

        bool degenerate = max == min;
        var raw = new float[blocks];
        if (!degenerate)
        {
            double range = max - min;
            for (int b = 0; b < blocks; b++) raw[b] = (float)((combined[b] - min) / range);
        }

        var score = (float[])raw.Clone();
        if (settings.Enhance && !degenerate)
        {
            int slice = nh * nw;
            var grid = new double[slice];
            for (int s = 0; s < nt; s++)
            {
                for (int i = 0; i < slice; i++) grid[i] = raw[s * slice + i];
                double[] enhanced = InwardEnhancement.Apply(grid, nh, nw, settings.DStrength, settings.DDistance);
                for (int i = 0; i < slice; i++) score[s * slice + i] = (float)enhanced[i];
            }
        }

        var levels = new int[blocks];
        // The reference compares a float32 score with the thresholds cast to float32.
        float staticCut = (float)settings.StaticThresh, mediumCut = (float)settings.MediumThresh;
        for (int b = 0; b < blocks; b++)
            levels[b] = degenerate ? 3 : score[b] <= staticCut ? 1 : score[b] <= mediumCut ? 2 : 3;

        return new ComplexityAnalysis((nt, nh, nw), raw, score, levels, (int)n, lag, degenerate, temporal, spatial);
    }

    /// <summary>Per-block temporal and spatial dynamics (spec §1.3), computed in float32 with direct differences.</summary>
    private static (float[] Temporal, float[] Spatial) ComputeDynamics(
        Tensor features, (int T, int H, int W) block, (int T, int H, int W) grid, int lag)
    {
        using var scope = torch.NewDisposeScope();
        long[] shape = features.shape;
        long n = shape[0], c = shape[1], t = shape[2], h = shape[3], w = shape[4];
        var (bt, bh, bw) = block;
        var (nt, nh, nw) = grid;
        long blocks = (long)nt * nh * nw, positions = (long)bh * bw, pairs = n - lag;

        var x = features.detach().to_type(ScalarType.Float32);                    // [n, C, T, H, W]
        long padT = (long)nt * bt - t, padH = (long)nh * bh - h, padW = (long)nw * bw - w;
        if (padT > 0 || padH > 0 || padW > 0)
            x = nn.functional.pad(x, new[] { 0, padW, 0, padH, 0, padT });        // [n, C, nt*bt, nh*bh, nw*bw]
        var blocked = x.permute(0, 2, 3, 4, 1)                                      // [n, T', H', W', C]
            .reshape(n, nt, bt, nh, bh, nw, bw, c)                                  // [n, nt, bt, nh, bh, nw, bw, C]
            .permute(0, 1, 3, 5, 2, 4, 6, 7)                                        // [n, nt, nh, nw, bt, bh, bw, C]
            .reshape(n, blocks, bt, positions, c);                                  // [n, B, bt, S, C]

        bool hasTemporal = t > 1 && lag > 0;
        long perBlock = n * bt * positions * Math.Max(positions, bt) * c;
        long chunk = Math.Max(1, ChunkElementBudget / Math.Max(1, perBlock));

        var temporalParts = new List<Tensor>();
        var spatialParts = new List<Tensor>();
        for (long b0 = 0; b0 < blocks; b0 += chunk)
        {
            using var inner = torch.NewDisposeScope();
            long nb = Math.Min(chunk, blocks - b0);
            var part = blocked.narrow(1, b0, nb);                                   // [n, b, bt, S, C]

            Tensor temporalPart;
            if (hasTemporal)
            {
                var xt = part.permute(1, 3, 0, 2, 4);                               // [b, S, n, bt, C]
                var dt = PairwiseL2(xt);                                            // [b, S, n, bt, bt]
                var delta = (dt.narrow(2, lag, pairs) - dt.narrow(2, 0, pairs)).abs(); // [b, S, K, bt, bt]
                temporalPart = delta.mean(new long[] { 1, 2, 3, 4 });               // [b]
            }
            else
            {
                temporalPart = torch.zeros(nb, dtype: ScalarType.Float32, device: part.device);
            }

            var xs = part.permute(1, 2, 0, 3, 4);                                   // [b, bt, n, S, C]
            var ds = PairwiseL2(xs);                                                // [b, bt, n, S, S]
            var deltaS = (ds.narrow(2, lag, pairs) - ds.narrow(2, 0, pairs)).abs(); // [b, bt, K, S, S]
            var spatialPart = deltaS.mean(new long[] { 1, 2, 3, 4 });               // [b]

            temporalParts.Add(temporalPart.MoveToOuterDisposeScope());
            spatialParts.Add(spatialPart.MoveToOuterDisposeScope());
        }

        var temporal = torch.cat(temporalParts, 0).cpu().data<float>().ToArray();  // [B]
        var spatial = torch.cat(spatialParts, 0).cpu().data<float>().ToArray();    // [B]
        return (temporal, spatial);
    }

    /// <summary>Pairwise Euclidean distances over the last axis: <c>[..., m, C] → [..., m, m]</c>. Direct
    /// differences (not the Gram expansion, which cancels in float32); exact zeros on the diagonal.</summary>
    private static Tensor PairwiseL2(Tensor x)
    {
        var diff = x.unsqueeze(-2) - x.unsqueeze(-3);                               // [..., m, m, C]
        return diff.square().sum(-1).sqrt();                                        // [..., m, m]
    }

    private static long CeilDiv(long a, long b) => (a + b - 1) / b;

    private static bool IsFloating(ScalarType dtype) =>
        dtype is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64;
}
