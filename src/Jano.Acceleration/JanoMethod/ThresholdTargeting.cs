using Jano.Core;

namespace Jano.Acceleration.JanoMethod;

/// <summary>
/// Picks Jano's (static_thresh, medium_thresh) from warm-up analysis scores alone (no model runs) to meet a
/// <c>target_speedup</c> or <c>target_psnr</c>.
/// <para>Cost model: a full step (warm-up, cool-down, level 0 and level 3) costs 1. A level-ℓ step costs
/// <c>overhead + (1 − overhead)·f_ℓ</c> (or <see cref="EmptyStepCost"/> when f_ℓ = 0: no block runs), where f_ℓ is the share of blocks it computes (level 2: medium + active,
/// level 1: active) and <c>overhead</c> is the fixed per-step share (embedding, head, sampler). Predicted speedup =
/// steps / Σ step cost. Shares are taken over analysis blocks with the analyzer's rule (score ≤ static → static,
/// ≤ medium → medium, else active); the token map's majority vote moves them only slightly.</para>
/// <para>Search: medium_thresh runs over "nothing" (−1) and the 0/100 … 100/100 quantiles of the scores; static_thresh
/// over −1, medium·{0, ¼, ½, ¾, 1} and the same quantiles up to medium, so static_thresh ≤ medium_thresh always holds.</para>
/// <para>PSNR: from the option <c>psnr_table</c> (written by <c>jano calibrate</c> for a model); without it the predicted PSNR is a conservative default, monotone
/// decreasing in the skipped fraction of token-steps (see <see cref="DefaultPsnrTable"/>); it is not measured for
/// the model at hand.</para>
/// </summary>
public static class ThresholdTargeting
{
    /// <summary>Default (skipped fraction, predicted PSNR dB) points, linearly interpolated, PSNR decreasing.
    /// Deliberately conservative; not a calibration.</summary>
    public static IReadOnlyList<(double Skipped, double Psnr)> DefaultPsnrTable { get; } =
    [
        (0.0, 60.0), (0.05, 40.0), (0.1, 36.0), (0.2, 32.0), (0.3, 29.0), (0.4, 26.0), (0.5, 23.0), (0.7, 18.0), (1.0, 10.0),
    ];

    /// <summary>Block shares (static, medium, active) for the given thresholds.</summary>
    public static (double Static, double Medium, double Active) Shares(IReadOnlyList<float> scores, double staticThresh, double mediumThresh)
    {
        if (scores.Count == 0) throw new ArgumentException("scores must not be empty");
        float s = (float)staticThresh, m = (float)mediumThresh;
        int ns = 0, nm = 0;
        foreach (var x in scores)
        {
            if (x <= s) ns++;
            else if (x <= m) nm++;
        }
        double n = scores.Count;
        return (ns / n, nm / n, (n - ns - nm) / n);
    }

    /// <summary>Predicted speedup of a run with these block shares under the schedule of <paramref name="o"/>.</summary>
    public static double PredictedSpeedup(int steps, JanoOptions o, (double Static, double Medium, double Active) shares) =>
        steps / TotalCost(steps, o, shares);

    /// <summary>Share of token-steps not computed over the whole run (0 = none skipped).</summary>
    public static double SkippedFraction(int steps, JanoOptions o, (double Static, double Medium, double Active) shares)
    {
        double skipped = 0;
        foreach (var level in InterleavedSchedule.All(steps, o))
            skipped += 1 - Computed(level, shares);
        return skipped / steps;
    }

    /// <summary>Predicted PSNR (dB) for a skipped fraction, linearly interpolated in <paramref name="table"/>
    /// (default: <see cref="DefaultPsnrTable"/>); beyond the last point, its PSNR.</summary>
    public static double PredictedPsnr(double skippedFraction, IReadOnlyList<(double Skipped, double Psnr)>? table = null)
    {
        var t = table ?? DefaultPsnrTable;
        if (skippedFraction <= t[0].Skipped) return t[0].Psnr;
        for (int i = 1; i < t.Count; i++)
        {
            if (skippedFraction <= t[i].Skipped)
            {
                double a = (skippedFraction - t[i - 1].Skipped) / (t[i].Skipped - t[i - 1].Skipped);
                return t[i - 1].Psnr + a * (t[i].Psnr - t[i - 1].Psnr);
            }
        }
        return t[^1].Psnr;
    }

    /// <summary>Thresholds whose predicted speedup is closest to <paramref name="target"/>; ties go to the pair that
    /// skips less. A target of 1 yields thresholds below every score (nothing skipped).</summary>
    public static (double Static, double Medium, double Predicted) ForSpeedup(IReadOnlyList<float> scores, int steps, JanoOptions o, double target)
    {
        if (!(target >= 1)) throw new UsageException($"target_speedup ({target}) must be at least 1");
        var best = (Static: -1.0, Medium: -1.0, Predicted: 1.0);
        double bestErr = double.PositiveInfinity, bestSkip = double.PositiveInfinity;
        foreach (var (st, md) in Candidates(scores))
        {
            var shares = Shares(scores, st, md);
            double predicted = PredictedSpeedup(steps, o, shares);
            double err = Math.Abs(predicted - target), skip = SkippedFraction(steps, o, shares);
            if (err < bestErr - 1e-12 || (Math.Abs(err - bestErr) <= 1e-12 && skip < bestSkip))
            {
                best = (st, md, predicted);
                bestErr = err;
                bestSkip = skip;
            }
        }
        return best;
    }

    /// <summary>Thresholds with the highest predicted speedup whose predicted PSNR is at least <paramref name="target"/>
    /// (nothing skipped when no pair qualifies).</summary>
    public static (double Static, double Medium, double Predicted) ForPsnr(IReadOnlyList<float> scores, int steps, JanoOptions o, double target)
    {
        var best = (Static: -1.0, Medium: -1.0, Predicted: 1.0);
        foreach (var (st, md) in Candidates(scores))
        {
            var shares = Shares(scores, st, md);
            if (PredictedPsnr(SkippedFraction(steps, o, shares), o.PsnrTable) < target) continue;
            double predicted = PredictedSpeedup(steps, o, shares);
            if (predicted > best.Predicted + 1e-12) best = (st, md, predicted);
        }
        return best;
    }

    private static IEnumerable<(double Static, double Medium)> Candidates(IReadOnlyList<float> scores)
    {
        var sorted = scores.Select(s => (double)s).OrderBy(s => s).ToArray();
        var quantiles = new SortedSet<double> { -1 };
        for (int q = 0; q <= 100; q++)
            quantiles.Add(sorted[(int)Math.Round(q / 100.0 * (sorted.Length - 1))]);
        foreach (var md in quantiles)
        {
            yield return (-1, md);
            if (md < 0) continue;
            foreach (var r in new[] { 0.0, 0.25, 0.5, 0.75, 1.0 })
                yield return (md * r, md);
            // static thresholds on the same quantile grid (≤ medium): fine steps between "few" and "all" static
            foreach (var st in quantiles)
            {
                if (st > md) break;
                if (st >= 0) yield return (st, md);
            }
        }
    }

    private static double Computed(int level, (double Static, double Medium, double Active) shares) => level switch
    {
        1 => shares.Active,
        2 => shares.Medium + shares.Active,
        _ => 1.0,
    };

    /// <summary>Cost of a level-1/2 step relative to a full step. A step that computes no token runs no block at all
    /// (the model skips its block stack on an empty selection), so it costs only the embedding, head and sampler:
    /// <see cref="EmptyStepCost"/>, not the per-step overhead of a step that runs the blocks on a few tokens.</summary>
    public static double CheapStepCost(double overhead, double share) =>
        share > 0 ? overhead + (1 - overhead) * share : Math.Min(overhead, EmptyStepCost);

    /// <summary>Cost of a step with nothing to compute (measured here: ~2 ms of a ~100 ms full step).</summary>
    public const double EmptyStepCost = 0.02;

    private static double TotalCost(int steps, JanoOptions o, (double Static, double Medium, double Active) shares)
    {
        double cost = 0;
        foreach (var level in InterleavedSchedule.All(steps, o))
            cost += level is 1 or 2 ? CheapStepCost(o.Overhead, Computed(level, shares)) : 1.0;
        return cost;
    }
}
