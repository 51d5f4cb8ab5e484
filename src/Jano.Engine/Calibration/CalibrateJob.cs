using System.Globalization;
using Jano.Core;
using Jano.Core.Acceleration;
using Jano.Core.Metrics;
using Jano.Core.Options;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Jano.Engine.Output;
using Jano.Engine.Pipelines;

namespace Jano.Engine.Calibration;

/// <summary>
/// <c>jano calibrate</c>: fits, on calibration seeds that the bench never uses (from <see cref="CalibrateOptions.FirstSeed"/>),
/// <list type="bullet">
/// <item>TeaCache's rescaling polynomial (degree 4, as the authors; degree 1 when the quartic dips below zero over
/// the observed range): relative L1 change of block 0's modulated input → relative L1 change of the block-stack output;</item>
/// <item>MagCache's per-step residual-magnitude ratios (mean over prompts, seeds and guidance branches);</item>
/// <item>Jano's cost/quality table: for fixed threshold pairs under the model's preset, the skipped share of
/// token-steps, PSNR against full, and level-1/2 step costs; from it the per-step <c>overhead</c> of the cost model
/// (least squares of cost = overhead + (1 − overhead)·share) and the <c>psnr_table</c> used by <c>target_psnr</c>.</item>
/// </list>
/// Runs on any model's pipeline (prompts spread over its sample prompts; each prompt encoded once, before the denoiser
/// loads); PSNR compares decoded frames. The result is written atomically (default: the model's <c>calibration.json</c>,
/// beside its weights or in its checkpoint folder) and picked up by the accelerator catalog for that model.
/// </summary>
public static class CalibrateJob
{
    /// <summary>(static_thresh, medium_thresh) pairs measured for the Jano table, under the model's preset intervals.</summary>
    public static IReadOnlyList<(double Static, double Medium)> JanoPairs { get; } =
        [(0.1, 0.3), (0.2, 0.5), (0.2, 0.6), (0.3, 0.7), (0.4, 0.8), (0.5, 0.9)];

    /// <summary>Runs the calibration on any model's pipeline and writes it (see the class summary).</summary>
    public static ModelCalibration Execute(CalibrateOptions o, ModelCatalog catalog, Action<string>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(catalog);
        var entry = o.Entry is { } given ? catalog.Bind(given) : catalog.Resolve(o.Model);
        int steps = o.Steps ?? entry.Defaults.Steps;
        var prompts = entry.SpreadPrompts(o.Prompts);
        if (o.JanoPrompts < 1 || o.JanoPrompts > o.Prompts) throw new UsageException($"--jano-prompts ({o.JanoPrompts}) must be in 1..{o.Prompts}");
        if (o.Seeds < 1) throw new UsageException($"--seeds ({o.Seeds}) must be at least 1");
        if (steps < 4) throw new UsageException($"--steps ({steps}) must be at least 4");
        string outFile = o.OutFile ?? entry.CalibrationPath;
        var janoRuns = JanoPairs.Select(p => (p, AcceleratorCatalog.Create("jano", entry,
            $"static_thresh={F(p.Static)},medium_thresh={F(p.Medium)}", calibration: null))).ToList();

        using var pipeline = entry.CreatePipeline(LoadOptions.Cpu);
        var requests = prompts.Select(p => pipeline.Resolve(new GenerationRequest { Prompt = p, Steps = steps })).ToArray();
        foreach (var (_, accel) in janoRuns) pipeline.CheckAccelerator(requests[0], accel);
        RuntimeSettings.EnsureWritableDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
        int threads = RuntimeSettings.ApplyThreads(o.Threads);
        var janoPromptIndices = Enumerable.Range(0, o.JanoPrompts).Select(i => i * o.Prompts / o.JanoPrompts).ToHashSet();
        var seeds = Enumerable.Range(0, o.Seeds).Select(i => CalibrateOptions.FirstSeed + i).ToArray();
        var recorder = new SignalRecorder();
        var janoMeasurements = JanoPairs.Select(_ => new List<(double Skipped, double Psnr, double L1, double L2, double S1, double S2)>()).ToArray();

        var conditions = pipeline.EncodeConditions(requests, cancel: cancel);
        try
        {
            for (int pi = 0; pi < prompts.Count; pi++)
            foreach (var seed in seeds)
            {
                cancel.ThrowIfCancellationRequested();
                var settings = requests[pi] with { Seed = seed };
                using var full = pipeline.Denoise(settings, conditions[pi], recorder, cancel: cancel);
                progress?.Invoke($"signals '{prompts[pi]}' seed {seed}: {recorder.Samples.Count} samples so far");
                if (!janoPromptIndices.Contains(pi)) continue;
                var fullFrames = DecodeRgb(pipeline, full);
                for (int j = 0; j < janoRuns.Count; j++)
                {
                    using var run = pipeline.Denoise(settings, conditions[pi], janoRuns[j].Item2, cancel: cancel);
                    var q = ImageQuality.Compare(DecodeRgb(pipeline, run), fullFrames);
                    var m = MeasureLevels(run);
                    janoMeasurements[j].Add((1 - run.ComputedTokenFraction, q.Identical ? ImageQuality.IdenticalFramePsnr : q.Psnr ?? ImageQuality.IdenticalFramePsnr,
                        m.L1, m.L2, m.S1, m.S2));
                    progress?.Invoke(string.Create(CultureInfo.InvariantCulture,
                        $"jano ts{janoRuns[j].p.Static}/tm{janoRuns[j].p.Medium} '{prompts[pi]}' seed {seed}: skipped {1 - run.ComputedTokenFraction:F3}, PSNR {janoMeasurements[j][^1].Psnr:F2}"));
                }
            }
        }
        finally
        {
            foreach (var c in conditions) c.Dispose();
        }

        // TeaCache: quartic (authors) unless it goes negative over the observed inputs, then linear
        var xs = recorder.Samples.Select(s => s.InputChange).ToArray();
        var ys = recorder.Samples.Select(s => s.OutputChange).ToArray();
        var coefficients = PolynomialFit.Fit(xs, ys, 4);
        double lo = xs.Min(), hi = xs.Max();
        if (Enumerable.Range(0, 101).Any(i => PolynomialFit.Evaluate(coefficients, lo + (hi - lo) * i / 100.0) < 0))
            coefficients = PolynomialFit.Fit(xs, ys, 1);

        // MagCache: mean ratio per step, step 0 = 1
        var magRatios = new double[steps];
        magRatios[0] = 1.0;
        for (int t = 1; t < steps; t++)
        {
            var at = recorder.Samples.Where(s => s.Step == t).Select(s => s.ResidualRatio).ToArray();
            magRatios[t] = at.Length > 0 ? at.Average() : 1.0;
        }

        var rows = JanoPairs.Select((p, j) => new JanoCalibrationRow
        {
            StaticThresh = p.Static,
            MediumThresh = p.Medium,
            Skipped = janoMeasurements[j].Average(m => m.Skipped),
            Psnr = janoMeasurements[j].Average(m => m.Psnr),
            L1Cost = MeanFinite(janoMeasurements[j].Select(m => m.L1)),
            L2Cost = MeanFinite(janoMeasurements[j].Select(m => m.L2)),
            L1Share = MeanFinite(janoMeasurements[j].Select(m => m.S1)),
            L2Share = MeanFinite(janoMeasurements[j].Select(m => m.S2)),
        }).ToArray();

        var options = new Dictionary<string, string>
        {
            ["teacache"] = "coefficients=" + string.Join(";", coefficients.Select(c => c.ToString("R", CultureInfo.InvariantCulture))),
            ["magcache"] = "mag_ratios=" + string.Join(";", magRatios.Select(r => r.ToString("0.#####", CultureInfo.InvariantCulture))),
            ["jano"] = $"overhead={F(FitOverhead(rows))},psnr_table={PsnrTable(rows)}",
        };
        var calibration = new ModelCalibration
        {
            Model = entry.Name,
            Steps = steps,
            Threads = threads,
            Prompts = prompts.ToArray(),
            Seeds = seeds,
            Options = options,
            TeaCachePoints = recorder.Samples.Select(s => new[] { s.InputChange, s.OutputChange }).ToArray(),
            MagRatios = magRatios,
            JanoRows = rows,
        };
        calibration.Save(outFile);
        return calibration;
    }

    /// <summary>Least-squares overhead o of cost = o + (1 − o)·share over the level-1/2 points, clamped to [0, 0.9].</summary>
    public static double FitOverhead(IEnumerable<JanoCalibrationRow> rows)
    {
        double num = 0, den = 0;
        foreach (var r in rows)
        foreach (var (cost, share) in new[] { (r.L1Cost, r.L1Share), (r.L2Cost, r.L2Share) })
        {
            if (!double.IsFinite(cost) || !double.IsFinite(share) || share >= 1) continue;
            num += (cost - share) * (1 - share);
            den += (1 - share) * (1 - share);
        }
        return den > 0 ? Math.Round(Math.Clamp(num / den, 0, 0.9), 4) : 0.1;
    }

    /// <summary><c>psnr_table</c> text: (0, 60), the measured points sorted by skipped share with PSNR made
    /// non-increasing (running minimum; points closer than 0.005 in share merged), and (1, 10) as the end point.</summary>
    public static string PsnrTable(IEnumerable<JanoCalibrationRow> rows)
    {
        var points = new List<(double S, double P)> { (0, ImageQuality.IdenticalFramePsnr) };
        foreach (var r in rows.Where(r => double.IsFinite(r.Skipped) && double.IsFinite(r.Psnr)).OrderBy(r => r.Skipped))
        {
            double s = Math.Round(r.Skipped, 4), p = Math.Round(Math.Min(r.Psnr, points[^1].P), 2);
            if (s >= 1) break;
            if (s - points[^1].S < 0.005) points[^1] = (points[^1].S, Math.Min(points[^1].P, p));
            else points.Add((s, p));
        }
        points.Add((1.0, Math.Min(10.0, points[^1].P)));
        return string.Join(";", points.Select(p => $"{F(p.S)}:{F(p.P)}"));
    }

    private static IReadOnlyList<RgbFrame> DecodeRgb(IDiffusionPipeline pipeline, GenerationResult result)
    {
        using var frames = pipeline.Decode(result.Latent);
        return FrameConverter.ToRgbFrames(frames);
    }

    private static (double L1, double L2, double S1, double S2) MeasureLevels(GenerationResult run)
    {
        double Med(string level) => run.Steps.Any(s => s.Level == level) ? GenerationResult.Median(run.Steps.Where(s => s.Level == level).Select(s => s.Seconds)) : double.NaN;
        double Share(string level) => run.Steps.Where(s => s.Level == level).Select(s => s.TokensComputed / (double)(run.TokenCount * run.Branches)).DefaultIfEmpty(double.NaN).Average();
        double full = Med("full");
        return (Med("L1") / full, Med("L2") / full, Share("L1"), Share("L2"));
    }

    private static double MeanFinite(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).ToArray();
        return v.Length > 0 ? v.Average() : double.NaN;
    }

    private static string F(double d) => OptionList.Format(d);
}
