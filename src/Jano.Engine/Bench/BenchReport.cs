using System.Globalization;
using System.Text;
using Jano.Core.IO;

namespace Jano.Engine.Bench;

/// <summary>Renders bench records: the markdown table (means per method and setting) and the two plots.</summary>
public static class BenchReport
{
    /// <summary>Step level labels of Jano in plotting order.</summary>
    public static IReadOnlyList<string> JanoLevels { get; } = ["full", "L3", "L2", "L1"];

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // The step caches plain Jano's front must stay above at every speedup >= 2x.
    private static readonly string[] StepCachePeers = ["teacache", "magcache", "easycache"];

    /// <summary>Records grouped by (method, setting) in first-seen order.</summary>
    public static IReadOnlyList<IGrouping<(string Method, string Setting), BenchRecord>> Groups(IEnumerable<BenchRecord> records) =>
        records.GroupBy(r => (r.Method, r.Setting)).ToList();

    public static string Markdown(IReadOnlyList<BenchRecord> records, bool quick)
    {
        var sb = new StringBuilder();
        var first = records.Count > 0 ? records[0] : null;
        sb.AppendLine("# Bench");
        sb.AppendLine();
        if (first is not null)
        {
            sb.AppendLine($"model `{first.Model}` ({first.Weights}), {first.Steps} steps, {first.Threads} thread(s), " +
                          $"prompts: {string.Join(", ", records.Select(r => r.Prompt).Distinct())}; seeds: {string.Join(", ", records.Select(r => r.Seed).Distinct())}" +
                          (quick ? " (--quick)" : ""));
            sb.AppendLine();
        }
        sb.AppendLine("Means over prompts and seeds. Speedup: median full latency of the same prompt and seed (full timed between method groups, " +
                      "same process) / this run's median latency. Ideal: analytic FLOPs of full compute / FLOPs of the run. " +
                      "PSNR against the same-seed full output (60 = identical).");
        sb.AppendLine();
        sb.AppendLine("| method | setting | runs | latency (s) | speedup | ideal | achieved/ideal | PSNR (dB) | SSIM | identical | computed tokens | cache (KiB) |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var g in Groups(records.Where(r => r.Setting != BenchSettings.OffLabel)))
        {
            var v = g.ToList();
            double speed = v.Average(r => r.Speedup), ideal = v.Average(r => r.IdealSpeedup);
            sb.AppendLine(string.Create(Inv,
                $"| {g.Key.Method} | {g.Key.Setting} | {v.Count} | {v.Average(r => r.LatencyMedian):F3} | {speed:F2} | " +
                $"{ideal:F2} | {speed / ideal:F2} | {v.Average(r => r.Psnr):F2} | {v.Average(r => r.Ssim):F4} | {v.Count(r => r.Identical)}/{v.Count} | " +
                $"{v.Average(r => r.ComputedTokenFraction):F3} | {v.Average(r => r.CacheBytes) / 1024.0:F0} |"));
        }
        var off = records.Where(r => r.Setting == BenchSettings.OffLabel).ToList();
        if (off.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("## Off settings (must be bit-identical to full; time ratio = run median / full median of the same pair)");
            sb.AppendLine();
            sb.AppendLine("| method | runs | identical | time ratio (mean) | within 3% |");
            sb.AppendLine("|---|---|---|---|---|");
            foreach (var g in off.GroupBy(r => r.Method))
            {
                double ratio = g.Average(r => r.LatencyMedian / r.FullLatencyMedian);
                sb.AppendLine(string.Create(Inv, $"| {g.Key} | {g.Count()} | {g.Count(r => r.Identical)}/{g.Count()} | {ratio:F3} | {(Math.Abs(ratio - 1) <= 0.03 ? "yes" : "no")} |"));
            }
        }
        sb.AppendLine();
        sb.AppendLine("## Goal lines");
        sb.AppendLine();
        foreach (var line in GoalLines(records)) sb.AppendLine("- " + line);
        return sb.ToString();
    }

    /// <summary>Mean (speedup, PSNR) per setting of <paramref name="method"/> (off settings excluded).</summary>
    public static IReadOnlyList<(double Speedup, double Psnr)> Points(IEnumerable<BenchRecord> records, string method) =>
        Groups(records.Where(r => r.Method == method && r.Setting != BenchSettings.OffLabel))
            .Select(g => (g.Average(r => r.Speedup), g.Average(r => r.Psnr))).OrderBy(p => p.Item1).ToArray();

    /// <summary>The Pareto front of the points plus full compute (1, 60): for increasing speedup, strictly decreasing
    /// PSNR; a point dominated by a faster, better one is dropped.</summary>
    public static IReadOnlyList<(double Speedup, double Psnr)> Front(IEnumerable<(double Speedup, double Psnr)> points)
    {
        var front = new List<(double Speedup, double Psnr)>();
        foreach (var p in points.Append((1.0, 60.0)).OrderByDescending(p => p.Item1).ThenByDescending(p => p.Item2))
            if (front.Count == 0 || p.Item2 > front[^1].Psnr) front.Add(p);
        front.Reverse();
        return front;
    }

    /// <summary>PSNR of a front at speedup x, linear between its points; null outside its speedup range.</summary>
    public static double? At(IReadOnlyList<(double Speedup, double Psnr)> front, double x)
    {
        const double eps = 1e-9;
        if (front.Count == 0 || x < front[0].Speedup - eps || x > front[^1].Speedup + eps) return null;
        x = Math.Clamp(x, front[0].Speedup, front[^1].Speedup);
        for (int i = 1; i < front.Count; i++)
            if (x <= front[i].Speedup)
            {
                double a = (x - front[i - 1].Speedup) / Math.Max(1e-12, front[i].Speedup - front[i - 1].Speedup);
                return front[i - 1].Psnr + a * (front[i].Psnr - front[i - 1].Psnr);
            }
        return front[^1].Psnr;
    }

    /// <summary>The performance goals (issue 13), each stated with what was measured: plain Jano (its analyzer map, fixed
    /// settings or <c>target_speedup</c>) >= 3x at mean PSNR >= 30 dB; its front above TeaCache, MagCache and EasyCache at
    /// every speedup >= 2x; where a <c>jano+X</c> combination beats both Jano and X alone at equal speed; the analyzer
    /// within 1 dB of <c>jano-oracle</c> and >= 3 dB above <c>jano-random</c> at equal speed; per Jano setting, a level-1
    /// step at most the active share + 5 % of a full step and achieved >= 90 % of the FLOP ideal; target accuracy.</summary>
    public static IReadOnlyList<string> GoalLines(IReadOnlyList<BenchRecord> records)
    {
        var lines = new List<string>();
        string[] plain = ["jano", "jano-target"];
        var janoGroups = Groups(records.Where(r => plain.Contains(r.Method) && r.Setting != BenchSettings.OffLabel)).ToList();
        if (janoGroups.Count == 0) return ["no Jano runs"];
        var ok30 = janoGroups.Where(g => g.Average(r => r.Psnr) >= 30).OrderByDescending(g => g.Average(r => r.Speedup)).FirstOrDefault();
        lines.Add(ok30 is null
            ? "plain Jano >= 3x at mean PSNR >= 30 dB: NOT reached (no setting keeps 30 dB)"
            : string.Create(Inv, $"plain Jano >= 3x at mean PSNR >= 30 dB: {(ok30.Average(r => r.Speedup) >= 3 ? "reached" : "NOT reached")} " +
                                 $"(fastest setting at >= 30 dB: {ok30.Key.Method} {ok30.Key.Setting}, {ok30.Average(r => r.Speedup):F2}x at {ok30.Average(r => r.Psnr):F2} dB)"));

        var methods = records.Select(r => r.Method).Distinct().ToHashSet();
        var janoFront = Front(plain.SelectMany(m => Points(records, m)));
        foreach (var peer in StepCachePeers.Where(methods.Contains))
            lines.Add(Compare("plain Jano front above " + peer, janoFront, Front(Points(records, peer)), 2.0, 0.0));

        foreach (var combo in methods.Where(m => m.StartsWith("jano+", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            string peer = combo["jano+".Length..];
            var comboFront = Front(Points(records, combo));
            var both = methods.Contains(peer) ? [janoFront, Front(Points(records, peer))] : new[] { janoFront };
            lines.Add(Beats(combo, comboFront, both, methods.Contains(peer) ? $"Jano and {peer} alone" : "Jano alone (no " + peer + " runs)"));
        }

        // The map sources run Jano's own settings at the analyzer's level fractions, so equal speed is the same setting
        // (the same FLOPs); measured speedups of the three differ only by timing noise.
        if (methods.Contains(BenchSettings.OracleMethod))
            lines.Add(SameFractions("analyzer within 1 dB of jano-oracle", BenchSettings.OracleMethod, oracle: true));
        if (methods.Contains("jano-random"))
            lines.Add(SameFractions("analyzer >= 3 dB above jano-random", "jano-random", oracle: false));

        foreach (var g in janoGroups.Where(g => g.Key.Method == "jano"))
        {
            double speed = g.Average(r => r.Speedup), ideal = g.Average(r => r.IdealSpeedup);
            var costs = g.Select(L1Cost).Where(c => c is not null).Select(c => c!.Value).ToList();
            string l1 = costs.Count == 0 ? "no level-1 steps"
                : string.Create(Inv, $"level-1 step cost {costs.Average(c => c.Cost):F3} of a full step vs active share + 5% {costs.Average(c => c.Share) + 0.05:F3}: " +
                                     $"{(costs.Average(c => c.Cost) <= costs.Average(c => c.Share) + 0.05 ? "met" : "NOT met")}");
            lines.Add(string.Create(Inv, $"Jano {g.Key.Setting}: achieved/ideal {speed / ideal:F2} ({(speed >= 0.90 * ideal ? "met" : "NOT met")} at 90%); {l1}"));
        }

        foreach (var g in janoGroups.Where(g => g.Key.Method == "jano-target"))
        {
            var target = g.First().Options.TryGetValue("target_speedup", out var t) ? double.Parse(t, Inv) : double.NaN;
            double speed = g.Average(r => r.Speedup), err = speed / target - 1;
            lines.Add(string.Create(Inv, $"target_speedup {target:0.##}: achieved {speed:F2}x ({err:+0%;-0%;0%}), {(Math.Abs(err) <= 0.10 ? "within" : "NOT within")} +-10%; PSNR {g.Average(r => r.Psnr):F2} dB"));
        }
        return lines;

        // Per setting of plain Jano, its mean PSNR against the other map source's at the same setting and prompt/seed pairs.
        string SameFractions(string goal, string other, bool oracle)
        {
            var diffs = new List<(string Setting, double Diff)>();
            foreach (var g in janoGroups.Where(g => g.Key.Method == "jano"))
            {
                var mine = g.ToDictionary(r => (r.Prompt, r.Seed));
                var theirs = records.Where(r => r.Method == other && r.Setting == g.Key.Setting && mine.ContainsKey((r.Prompt, r.Seed))).ToList();
                if (theirs.Count == 0) continue;
                diffs.Add((g.Key.Setting, theirs.Average(r => mine[(r.Prompt, r.Seed)].Psnr - r.Psnr)));   // analyzer − other
            }
            if (diffs.Count == 0) return $"{goal}: no common settings";
            var worst = diffs.MinBy(d => d.Diff);
            bool ok = oracle ? worst.Diff >= -1.0 : worst.Diff >= 3.0;
            return string.Create(Inv, $"{goal} at equal level fractions: {(ok ? "reached" : "NOT reached")} (analyzer minus {other}, per setting: " +
                                      $"{string.Join(", ", diffs.Select(d => $"{d.Setting} {d.Diff:+0.00;-0.00} dB"))}; worst {worst.Diff:+0.00;-0.00} dB at {worst.Setting})");
        }

        // Whether front a stays at least `margin` dB above front b over their common speedup range from `from` up.
        static string Compare(string goal, IReadOnlyList<(double Speedup, double Psnr)> a, IReadOnlyList<(double Speedup, double Psnr)> b, double from, double margin)
        {
            double lo = Math.Max(from, Math.Max(a[0].Speedup, b[0].Speedup)), hi = Math.Min(a[^1].Speedup, b[^1].Speedup);
            if (hi < lo)
                return string.Create(Inv, $"{goal} at >= {from:0.#}x: no common speedup range (up to {a[^1].Speedup:F2}x and {b[^1].Speedup:F2}x)");
            var (worst, worstAt) = Worst(a, b, lo, hi);
            return string.Create(Inv, $"{goal} over {lo:F2}x..{hi:F2}x: {(worst >= margin ? "reached" : "NOT reached")} (smallest difference {worst:+0.00;-0.00} dB at {worstAt:F2}x)");
        }

        // Where (if anywhere) the combination's front is above every other front at equal speed, over the speeds its own
        // measured settings span (not the segment from full compute's anchor to its first setting).
        static string Beats(string combo, IReadOnlyList<(double Speedup, double Psnr)> front, IReadOnlyList<(double Speedup, double Psnr)>[] others, string what)
        {
            if (front.Count < 2) return $"{combo}: no settings";
            double lo = front[1].Speedup, hi = front[^1].Speedup;
            var wins = new List<double>();
            for (int i = 0; i <= 100; i++)
            {
                double x = lo + (hi - lo) * i / 100.0, mine = At(front, x)!.Value;
                // Outside another front's range, that method reaches no such speed: the combination beats it there.
                if (others.All(o => At(o, x) is not { } y || mine > y)) wins.Add(x);
            }
            wins.RemoveAll(x => x < 1.05);
            return wins.Count == 0
                ? $"{combo} counts nowhere: never above {what} at equal speed"
                : string.Create(Inv, $"{combo} counts over {wins.Min():F2}x..{wins.Max():F2}x ({wins.Count} of 101 sampled speeds above {what})");
        }

        static (double Worst, double At) Worst(IReadOnlyList<(double Speedup, double Psnr)> a, IReadOnlyList<(double Speedup, double Psnr)> b, double lo, double hi)
        {
            double worst = double.PositiveInfinity, worstAt = lo;
            for (int i = 0; i <= 50; i++)
            {
                double x = Math.Min(hi, lo + (hi - lo) * i / 50.0), d = At(a, x)!.Value - At(b, x)!.Value;
                if (d < worst) { worst = d; worstAt = x; }
            }
            return (worst, worstAt);
        }
    }

    /// <summary>Median level-1 step time / median full step time of the same run, and the mean token share of its
    /// level-1 steps; null without both kinds of step.</summary>
    public static (double Cost, double Share)? L1Cost(BenchRecord r)
    {
        var l1 = Enumerable.Range(0, r.StepLevels.Length).Where(i => r.StepLevels[i] == "L1").ToArray();
        var full = Enumerable.Range(0, r.StepLevels.Length).Where(i => r.StepLevels[i] == "full").ToArray();
        if (l1.Length == 0 || full.Length == 0 || r.StepSeconds is null || r.StepSeconds.Length != r.StepLevels.Length) return null;
        return (Median(l1.Select(i => r.StepSeconds[i])) / Median(full.Select(i => r.StepSeconds[i])), l1.Average(i => r.StepTokenShare[i]));
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }

    /// <summary>Mean PSNR against mean speedup, one curve per method (settings sorted by speedup); full compute as a point.</summary>
    public static void Frontier(string path, IReadOnlyList<BenchRecord> records)
    {
        var plot = new ScottPlot.Plot();
        // 13 methods: 20 distinct colours (the strong ten first), and the marker shape cycles too, so no two curves look alike
        var palette = new ScottPlot.Palettes.Category20();
        ScottPlot.MarkerShape[] shapes = [ScottPlot.MarkerShape.FilledCircle, ScottPlot.MarkerShape.FilledSquare,
            ScottPlot.MarkerShape.FilledTriangleUp, ScottPlot.MarkerShape.FilledDiamond];
        int index = 0;
        foreach (var method in records.Select(r => r.Method).Distinct())
        {
            var points = method == BenchJob.FullMethod ? [(1.0, 60.0)] : Points(records, method);
            var sc = plot.Add.Scatter(points.Select(p => p.Speedup).ToArray(), points.Select(p => p.Psnr).ToArray());
            sc.LegendText = method;
            sc.MarkerSize = 7;
            sc.Color = palette.GetColor(index < 10 ? 2 * index : 2 * (index - 10) + 1); // the ten strong colours first
            sc.MarkerShape = shapes[index % shapes.Length];
            sc.LineWidth = method.StartsWith("jano", StringComparison.Ordinal) ? 2 : 1;
            index++;
        }
        plot.Title("Quality vs speedup (mean over prompts and seeds)");
        plot.XLabel("speedup vs full (measured)");
        plot.YLabel("PSNR vs full (dB)");
        plot.ShowLegend();
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(900, 600, ScottPlot.ImageFormat.Png));
    }

    /// <summary>Stacked bars of mean seconds spent in full/L3/L2/L1 steps, for full compute and each Jano setting.</summary>
    public static void Levels(string path, IReadOnlyList<BenchRecord> records)
    {
        var plot = new ScottPlot.Plot();
        var groups = Groups(records.Where(r => r.Method is "jano" or BenchJob.FullMethod && r.Setting != BenchSettings.OffLabel)).ToList();
        var palette = new ScottPlot.Palettes.Category10();
        var ticks = new List<ScottPlot.Tick>();
        for (int i = 0; i < groups.Count; i++)
        {
            double bottom = 0;
            for (int l = 0; l < JanoLevels.Count; l++)
            {
                double secs = groups[i].Average(r => r.LevelSeconds.GetValueOrDefault(JanoLevels[l]));
                if (secs <= 0) continue;
                var bar = new ScottPlot.Bar { Position = i, ValueBase = bottom, Value = bottom + secs, FillColor = palette.GetColor(l) };
                plot.Add.Bar(bar);
                bottom += secs;
            }
            ticks.Add(new ScottPlot.Tick(i, groups[i].Key.Method == "jano" ? groups[i].Key.Setting : "full"));
        }
        for (int l = 0; l < JanoLevels.Count; l++)
            plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = JanoLevels[l], FillColor = palette.GetColor(l) });
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.Margins(bottom: 0);
        plot.Title("Jano: denoising time per step level (mean seconds)");
        plot.YLabel("seconds");
        plot.ShowLegend();
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(900, 600, ScottPlot.ImageFormat.Png));
    }
}
