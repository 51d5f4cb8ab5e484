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

    /// <summary>Records grouped by (method, setting) in first-seen order.</summary>
    public static IReadOnlyList<IGrouping<(string Method, string Setting), BenchRecord>> Groups(IEnumerable<BenchRecord> records) =>
        records.GroupBy(r => (r.Method, r.Setting)).ToList();

    public static string Markdown(IReadOnlyList<BenchRecord> records, bool quick)
    {
        var sb = new StringBuilder();
        var first = records.FirstOrDefault();
        sb.AppendLine("# Bench");
        sb.AppendLine();
        if (first is not null)
        {
            sb.AppendLine($"model `{first.Model}` ({first.Weights}), {first.Steps} steps, {first.Threads} thread(s), " +
                          $"prompts: {string.Join(", ", records.Select(r => r.Prompt).Distinct())}; seeds: {string.Join(", ", records.Select(r => r.Seed).Distinct())}" +
                          (quick ? " (--quick)" : ""));
            sb.AppendLine();
        }
        sb.AppendLine("Means over prompts and seeds. Speedup: median full latency / median run latency of the same prompt and seed in one process. " +
                      "Ideal: analytic FLOPs of full compute / FLOPs of the run. PSNR against the same-seed full output (60 = identical).");
        sb.AppendLine();
        sb.AppendLine("| method | setting | runs | latency (s) | speedup | ideal | PSNR (dB) | SSIM | identical | computed tokens | cache (KiB) |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var g in Groups(records))
        {
            var v = g.ToList();
            sb.AppendLine(string.Create(Inv,
                $"| {g.Key.Method} | {g.Key.Setting} | {v.Count} | {v.Average(r => r.LatencyMedian):F3} | {v.Average(r => r.Speedup):F2} | " +
                $"{v.Average(r => r.IdealSpeedup):F2} | {v.Average(r => r.Psnr):F2} | {v.Average(r => r.Ssim):F4} | {v.Count(r => r.Identical)}/{v.Count} | " +
                $"{v.Average(r => r.ComputedTokenFraction):F3} | {v.Average(r => r.CacheBytes) / 1024.0:F0} |"));
        }
        return sb.ToString();
    }

    /// <summary>Mean PSNR against mean speedup, one curve per method (settings sorted by speedup); full compute as a point.</summary>
    public static void Frontier(string path, IReadOnlyList<BenchRecord> records)
    {
        var plot = new ScottPlot.Plot();
        foreach (var method in records.Select(r => r.Method).Distinct())
        {
            var points = Groups(records.Where(r => r.Method == method))
                .Select(g => (X: g.Average(r => r.Speedup), Y: g.Average(r => r.Psnr))).OrderBy(p => p.X).ToArray();
            var sc = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
            sc.LegendText = method;
            sc.MarkerSize = 7;
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
        var groups = Groups(records.Where(r => r.Method is "jano" or BenchJob.FullMethod)).ToList();
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
