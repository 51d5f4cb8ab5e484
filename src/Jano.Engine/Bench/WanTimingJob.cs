using System.Diagnostics;
using System.Text.Json;
using Jano.Acceleration.JanoMethod;
using Jano.Core;
using Jano.Core.Acceleration;
using Jano.Core.IO;
using Jano.Engine.Jobs;
using Jano.Engine.Pipelines;
using Jano.Models.Wan;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Engine.Bench;

/// <summary>
/// <c>jano bench --timing-only --random-weights</c> for a Wan DiT: builds the model with seeded random weights, fixes the
/// token split by the given static/medium/active fractions, runs one warm-up forward, then times
/// <see cref="WanTimingOptions.Forwards"/> forwards at each level (full; Jano L3 = all rows, recording K/V; L2 = medium +
/// active; L1 = active) and reports each level relative to a full forward and the authors' 50-step schedule
/// (10 full / 7 L3 / 7 L2 / 26 L1) as a cost model. Writes timing.json.
/// </summary>
public static class WanTimingJob
{
    private static readonly GuidanceBranch[] CondOnly = [GuidanceBranch.Cond];

    /// <summary>The authors' 50-step schedule: steps per level.</summary>
    public static IReadOnlyDictionary<string, int> Schedule { get; } = new Dictionary<string, int> { ["full"] = 10, ["L3"] = 7, ["L2"] = 7, ["L1"] = 26 };

    /// <summary>Parses <c>s,m,a</c> fractions (each in [0, 1], summing to 1 within 1e-6).</summary>
    public static double[] ParseFractions(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 3 || parts.Any(p => !double.TryParse(p, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _)))
            throw new UsageException($"--level-fractions '{text}' must be three numbers s,m,a (static, medium, active)");
        var f = parts.Select(p => double.Parse(p, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        if (f.Any(x => !(x >= 0 && x <= 1)) || Math.Abs(f.Sum() - 1) > 1e-6)
            throw new UsageException($"--level-fractions '{text}' must be in [0, 1] and sum to 1");
        return f;
    }

    /// <summary>Token levels (1 static, 2 medium, 3 active) in the given proportions, placed by a seeded shuffle.</summary>
    public static int[] Levels(int tokens, double[] fractions, long seed)
    {
        int nStatic = (int)Math.Round(fractions[0] * tokens), nMedium = (int)Math.Round(fractions[1] * tokens);
        nMedium = Math.Min(nMedium, tokens - nStatic);
        var levels = new int[tokens];
        for (int i = 0; i < tokens; i++) levels[i] = i < nStatic ? 1 : i < nStatic + nMedium ? 2 : 3;
        new Random((int)seed).Shuffle(levels);
        return levels;
    }

    /// <summary>Runs the timing; <paramref name="log"/> gets one line per level.</summary>
    public static WanTimingReport Run(WanTimingOptions o, Action<string>? log = null, CancellationToken cancel = default)
    {
        if (o.Forwards < 3) throw new UsageException($"--forwards ({o.Forwards}) must be at least 3");
        if (o.LevelFractions.Length != 3 || Math.Abs(o.LevelFractions.Sum() - 1) > 1e-6) throw new UsageException("level fractions must be three numbers summing to 1");
        RuntimeSettings.EnsureWritableDirectory(o.OutDir);
        using var noGrad = no_grad();
        torch.manual_seed(o.Seed);
        using var model = new WanModel(o.Config, CPU, o.DType);
        model.eval();
        var descriptor = model.Describe(o.LatentShape);
        int tokens = descriptor.TokenCount;
        var levels = Levels(tokens, o.LevelFractions, o.Seed);
        using var partition = new TokenPartition(levels, CPU);
        using var cache = new FrozenKvCache(CondOnly);
        using var buffer = new OutputBuffer(CondOnly);
        using var x = torch.randn([1, .. o.LatentShape]);
        using var t = torch.full([1], 500.0, dtype: ScalarType.Float32);
        using var context = torch.randn([1, Math.Min(o.Config.TextLen, 16), o.Config.TextDim]).to(o.DType);

        double Time(ITransformerHooks hooks)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var w = Stopwatch.StartNew();
            model.Forward(x, t, context, hooks);
            return w.Elapsed.TotalSeconds;
        }

        Time(NullHooks.Instance); // warm-up
        var samples = new Dictionary<string, double[]>();
        var rows = new Dictionary<string, int>();
        foreach (var (name, level) in new[] { ("full", 0), ("L3", 3), ("L2", 2), ("L1", 1) })
        {
            var s = new double[o.Forwards];
            for (int i = 0; i < o.Forwards; i++)
            {
                ITransformerHooks hooks = level == 0 ? NullHooks.Instance : new JanoHooks(level, partition, cache, buffer, CondOnly);
                s[i] = Time(hooks);
                rows[name] = hooks is JanoHooks j ? j.LastSelected : tokens;
            }
            samples[name] = s;
            log?.Invoke($"{name}: {rows[name]} rows, median {GenerationResult.Median(s):F3} s over {o.Forwards} forwards");
        }
        // Cache memory: what this run held (one row, K/V in the model dtype) and the formula for it and for a whole
        // CFG generation (two branch rows) per cache option.
        long measured = cache.PeakBytes + buffer.Bytes;
        var formula = new Dictionary<string, long>
        {
            ["run"] = JanoCacheMemory.Estimate(descriptor, o.LevelFractions[0], o.LevelFractions[1], 1, new JanoOptions(), o.DType).TotalBytes,
        };
        foreach (var mode in new[] { JanoCacheMode.Kv, JanoCacheMode.Hidden })
            foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
                formula[$"cfg_{(mode == JanoCacheMode.Kv ? "kv" : "hidden")}_{RuntimeSettings.DTypeName(dtype)}"] = JanoCacheMemory.Estimate(
                    descriptor, o.LevelFractions[0], o.LevelFractions[1], 2, new JanoOptions { CacheMode = mode, CacheDType = dtype }, o.DType).TotalBytes;
        static string GiB(long b) => (b / (double)(1L << 30)).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
        log?.Invoke($"jano cache: this run {measured} bytes (formula {formula["run"]}); a CFG generation (2 branches): " +
                    $"kv float32 {GiB(formula["cfg_kv_float32"])} GiB, kv bfloat16 {GiB(formula["cfg_kv_bfloat16"])} GiB, " +
                    $"hidden float32 {GiB(formula["cfg_hidden_float32"])} GiB, hidden bfloat16 {GiB(formula["cfg_hidden_bfloat16"])} GiB");
        var median = samples.ToDictionary(kv => kv.Key, kv => GenerationResult.Median(kv.Value));
        var relative = median.ToDictionary(kv => kv.Key, kv => kv.Value / median["full"]);
        double ratio = Schedule.Sum(kv => kv.Value * relative[kv.Key]) / Schedule.Values.Sum();
        var report = new WanTimingReport
        {
            Model = o.Model,
            DType = RuntimeSettings.DTypeName(o.DType),
            Threads = torch.get_num_threads(),
            Latent = (long[])o.LatentShape.Clone(),
            Tokens = tokens,
            LevelFractions = (double[])o.LevelFractions.Clone(),
            Rows = rows,
            Samples = samples,
            Median = median,
            Relative = relative,
            Schedule = Schedule.ToDictionary(kv => kv.Key, kv => kv.Value),
            ScheduleRatio = ratio,
            ScheduleSpeedup = 1 / ratio,
            CacheBytes = measured,
            CacheFormulaBytes = formula,
        };
        AtomicFile.WriteAllText(Path.Combine(o.OutDir, "timing.json"), JsonSerializer.Serialize(report, ReportJson.Options));
        return report;
    }
}
