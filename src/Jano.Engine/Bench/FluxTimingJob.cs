using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Jano.Acceleration.JanoMethod;
using Jano.Core;
using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using Jano.Core.IO;
using Jano.Core.Options;
using Jano.Engine.Jobs;
using Jano.Engine.Pipelines;
using Jano.Engine.Pipelines.Flux;
using Jano.Models.Flux;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Engine.Bench;

/// <summary>
/// <c>jano bench --timing-only --random-weights --model flux.1-dev</c>: builds a FLUX.1 DiT of the catalog's width with seeded
/// random weights but only <see cref="FluxTimingOptions.DoubleBlocks"/> double and <see cref="FluxTimingOptions.SingleBlocks"/>
/// single blocks, fixes the image-token split by the given fractions (text tokens are always computed), runs one warm-up
/// forward, then times the forwards of each level (full; Jano L3 = all image rows, recording K/V; L2 = medium + active; L1 =
/// active), writing timing.partial.json after each level so a run stopped part-way resumes (<see cref="FluxTimingOptions.Resume"/>).
/// Reports each level relative to a full forward, the ratio of the 50-step schedule Jano's FLUX preset gives, the process's
/// peak resident memory after loading and after the forwards, and Jano's cache bytes against
/// <see cref="JanoCacheMemory"/> for this run and for the full model. Writes timing.json.
/// </summary>
public static class FluxTimingJob
{
    private static readonly GuidanceBranch[] CondOnly = [GuidanceBranch.Cond];
    private static readonly (string Name, int Level)[] Levels = [("full", 0), ("L3", 3), ("L2", 2), ("L1", 1)];

    /// <summary>The progress file a stopped run leaves.</summary>
    public const string PartialFile = "timing.partial.json";

    /// <summary>Steps per level (full, L3, L2, L1) of <paramref name="steps"/> steps under Jano's FLUX preset.</summary>
    public static Dictionary<string, int> Schedule(int steps)
    {
        var options = new JanoOptions().With(OptionList.Parse(FluxModelEntry.FluxJanoPreset));
        var levels = InterleavedSchedule.All(steps, options);
        return Levels.ToDictionary(l => l.Name, l => levels.Count(x => x == l.Level));
    }

    /// <summary>Runs the timing; <paramref name="log"/> gets one line per level.</summary>
    public static FluxTimingReport Run(FluxTimingOptions o, Action<string>? log = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (o.Forwards < 3) throw new UsageException($"--forwards ({o.Forwards}) must be at least 3");
        if (o.LevelFractions.Length != 3 || Math.Abs(o.LevelFractions.Sum() - 1) > 1e-6) throw new UsageException("level fractions must be three numbers summing to 1");
        RequestLimits.InRange("--double-blocks", o.DoubleBlocks, 1, FluxConfigLimits.MaxBlocks);
        RequestLimits.InRange("--single-blocks", o.SingleBlocks, 0, FluxConfigLimits.MaxBlocks);
        var cfg = o.Truncated;
        int textTokens = o.TextTokens ?? cfg.T5MaxLength;
        RequestLimits.InRange("--text-tokens", textTokens, 1, FluxConfigLimits.MaxTextTokens);
        RuntimeSettings.EnsureWritableDirectory(o.OutDir);
        string partialPath = Path.Combine(o.OutDir, PartialFile);
        string key = Key(o, textTokens);
        var partial = o.Resume && File.Exists(partialPath) ? ReadPartial(partialPath, key) : new Partial { Key = key };
        var resumed = partial.Samples.Keys.ToArray();

        using var noGrad = no_grad();
        torch.manual_seed(o.Seed);
        using var model = new FluxModel(cfg, CPU, o.DType);
        model.eval();
        long parameters = model.parameters().Sum(p => p.NumberOfElements);
        long rssAfterLoad = PeakRss();
        var descriptor = model.Describe(o.LatentShape);
        int tokens = descriptor.TokenCount;
        var levels = WanTimingJob.Levels(tokens, o.LevelFractions, o.Seed);
        using var partition = new TokenPartition(levels, CPU);
        using var cache = new FrozenKvCache(CondOnly);
        using var buffer = new OutputBuffer(CondOnly);
        using var x = torch.randn([1, .. o.LatentShape]);
        using var t = torch.full([1], 500.0, dtype: ScalarType.Float32);
        using var text = torch.randn([1, textTokens, cfg.ContextInDim]).to(o.DType);
        using var pooled = torch.randn([1, cfg.VecInDim]).to(o.DType);
        using var guidance = cfg.GuidanceEmbed ? torch.full([1], 3.5, dtype: ScalarType.Float32) : null;
        var condition = new DiffusionCondition { TextEmbeddings = text, PooledText = pooled, Guidance = guidance };

        double Time(ITransformerHooks hooks)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var w = Stopwatch.StartNew();
            model.Forward(x, t, condition, hooks);
            return w.Elapsed.TotalSeconds;
        }

        Time(NullHooks.Instance); // warm-up
        foreach (var (name, level) in Levels)
        {
            if (partial.Samples.TryGetValue(name, out var done))
            {
                // L2 and L1 read the K/V an L3 forward records: refill the cache when L3 was resumed
                if (level == 3 && Levels.Any(l => l.Level is 1 or 2 && !partial.Samples.ContainsKey(l.Name)))
                    Time(new JanoHooks(3, partition, cache, buffer, CondOnly));
                log?.Invoke($"{name}: resumed ({partial.Rows[name]} image rows, median {GenerationResult.Median(done):F3} s)");
                continue;
            }
            var s = new double[o.Forwards];
            int rows = tokens;
            for (int i = 0; i < o.Forwards; i++)
            {
                ITransformerHooks hooks = level == 0 ? NullHooks.Instance : new JanoHooks(level, partition, cache, buffer, CondOnly);
                s[i] = Time(hooks);
                rows = hooks is JanoHooks j ? j.LastSelected : tokens;
            }
            partial.Samples[name] = s;
            partial.Rows[name] = rows;
            AtomicFile.WriteAllText(partialPath, JsonSerializer.Serialize(partial));
            log?.Invoke($"{name}: {rows} image rows + {textTokens} text rows, median {GenerationResult.Median(s):F3} s over {o.Forwards} forwards");
        }
        long rss = PeakRss();

        long measured = cache.PeakBytes + buffer.Bytes;
        var full = o.Config;
        using var fullMeta = new FluxModel(full, META);
        var fullDescriptor = fullMeta.Describe(o.LatentShape);
        var formula = new Dictionary<string, long>
        {
            ["run"] = JanoCacheMemory.Estimate(descriptor, o.LevelFractions[0], o.LevelFractions[1], 1, new JanoOptions(), o.DType).TotalBytes,
            ["full_model"] = JanoCacheMemory.Estimate(fullDescriptor, o.LevelFractions[0], o.LevelFractions[1], 1, new JanoOptions(), o.DType).TotalBytes,
        };
        int es = JanoCacheMemory.ElementSize(o.DType);
        long fullParameters = FluxMemory.Parameters(full);
        var fullMemory = new Dictionary<string, long>
        {
            ["dit_weights"] = fullParameters * es,
            ["activations"] = (long)FluxMemory.ActivationBytes(full, tokens, textTokens, es),
            ["t5_xxl_weights"] = FluxMemory.T5Parameters(Models.Flux.TextEncoders.T5EncoderConfig.Xxl) * es,
            ["jano_cache"] = formula["full_model"],
        };
        log?.Invoke($"jano cache: this run {measured} bytes (formula {formula["run"]}); full model {GiB(formula["full_model"])} GiB; " +
                    $"peak RSS {GiB(rssAfterLoad)} GiB after load, {GiB(rss)} GiB after the forwards");

        var median = partial.Samples.ToDictionary(kv => kv.Key, kv => GenerationResult.Median(kv.Value));
        var relative = median.ToDictionary(kv => kv.Key, kv => kv.Value / median["full"]);
        var schedule = Schedule(50);
        double ratio = schedule.Sum(kv => kv.Value * relative[kv.Key]) / schedule.Values.Sum();
        var report = new FluxTimingReport
        {
            Model = o.Model,
            DType = RuntimeSettings.DTypeName(o.DType),
            Threads = torch.get_num_threads(),
            HiddenSize = cfg.HiddenSize,
            DoubleBlocks = cfg.Depth,
            SingleBlocks = cfg.DepthSingleBlocks,
            Latent = (long[])o.LatentShape.Clone(),
            ImageTokens = tokens,
            TextTokens = textTokens,
            LevelFractions = (double[])o.LevelFractions.Clone(),
            Rows = new Dictionary<string, int>(partial.Rows),
            Samples = new Dictionary<string, double[]>(partial.Samples),
            Median = median,
            Relative = relative,
            Schedule = schedule,
            ScheduleRatio = ratio,
            ScheduleSpeedup = 1 / ratio,
            ResumedLevels = resumed,
            Parameters = parameters,
            FullModelParameters = fullParameters,
            PeakRssAfterLoadBytes = rssAfterLoad,
            PeakRssBytes = rss,
            CacheBytes = measured,
            CacheFormulaBytes = formula,
            FullModelMemoryBytes = fullMemory,
        };
        AtomicFile.WriteAllText(Path.Combine(o.OutDir, "timing.json"), JsonSerializer.Serialize(report, ReportJson.Options));
        return report;
    }

    private static string GiB(long b) => (b / (double)(1L << 30)).ToString("F2", CultureInfo.InvariantCulture);

    private static long PeakRss()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.PeakWorkingSet64;
    }

    // What a partial result must match to be resumed: every setting that changes a timing.
    private static string Key(FluxTimingOptions o, int textTokens) => string.Create(CultureInfo.InvariantCulture,
        $"{o.Model}|d{o.DoubleBlocks}|s{o.SingleBlocks}|{string.Join("x", o.LatentShape)}|t{textTokens}|{string.Join(",", o.LevelFractions)}|f{o.Forwards}|{RuntimeSettings.DTypeName(o.DType)}|seed{o.Seed}|threads{torch.get_num_threads()}");

    private static Partial ReadPartial(string path, string key)
    {
        Partial? p;
        try
        {
            p = JsonSerializer.Deserialize<Partial>(SmallFile.ReadText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {ConfigJson.Describe(e, typeof(Partial))}; remove it or drop --resume", e);
        }
        if (p is null || p.Key != key)
            throw new UsageException($"{path} was written with other settings ({p?.Key ?? "none"}); remove it or drop --resume");
        if (p.Samples.Keys.Any(k => !Levels.Any(l => l.Name == k)) || p.Samples.Keys.Any(k => !p.Rows.ContainsKey(k)))
            throw new InvalidDataException($"{path}: unknown or incomplete levels; remove it or drop --resume");
        return p;
    }

    /// <summary>timing.partial.json: the settings key and the finished levels.</summary>
    private sealed class Partial
    {
        public string Key { get; init; } = "";
        public Dictionary<string, double[]> Samples { get; init; } = new(StringComparer.Ordinal);
        public Dictionary<string, int> Rows { get; init; } = new(StringComparer.Ordinal);
    }
}
