using System.Globalization;
using Jano.Core;
using Jano.Core.Options;
using static TorchSharp.torch;

namespace Jano.Acceleration.JanoMethod;

/// <summary>
/// Jano's knobs, named as in the authors' code (spec §4). Defaults are the authors' Wan2.1 settings; a model's
/// preset and the user's <c>--accel-option</c> override them. <see cref="Validate"/> checks what fits a run.
/// </summary>
public sealed record JanoOptions
{
    public int WarmupSteps { get; init; } = 6;
    public int CooldownSteps { get; init; } = 4;
    public double StaticThresh { get; init; } = 0.2;
    public int StaticInterval { get; init; } = 6;
    public double MediumThresh { get; init; } = 0.6;
    public int MediumInterval { get; init; } = 3;
    public (int T, int H, int W) AnalyzeBlockSize { get; init; } = (7, 6, 8);
    public double TWeight { get; init; } = 0.7;
    public double DStrength { get; init; } = 0.8;
    public double DDistance { get; init; } = 1.0;
    public bool Enhance { get; init; } = true;
    /// <summary>Prepend the initial noise x_T to the analysis features in every generation (the authors do so only in a process's first).</summary>
    public bool IncludeXt { get; init; } = true;
    /// <summary>When set, the session picks (static_thresh, medium_thresh) after the warm-up analysis so that the
    /// predicted speedup of <see cref="ThresholdTargeting"/>'s cost model is closest to this value (≥ 1).</summary>
    public double? TargetSpeedup { get; init; }
    /// <summary>When set, the session picks the thresholds that skip the most work while the default
    /// skipped-fraction → PSNR table still predicts at least this PSNR (dB).</summary>
    public double? TargetPsnr { get; init; }
    /// <summary>Fixed per-step cost (embedding, head, sampler) as a fraction of a full step, for the cost model.</summary>
    public double Overhead { get; init; } = 0.1;
    /// <summary>(skipped fraction of token-steps, PSNR dB) points for <c>target_psnr</c>, from <c>jano calibrate</c>;
    /// null: <see cref="ThresholdTargeting.DefaultPsnrTable"/>. Given as <c>psnr_table=0:60;0.2:41.5;...</c>.</summary>
    public IReadOnlyList<(double Skipped, double Psnr)>? PsnrTable { get; init; }

    /// <summary>Source of the level map (the analyzer; <c>oracle</c> and <c>random</c> re-rank its blocks at the same level
    /// fractions, for studying the analyzer).</summary>
    public JanoMapSource MapSource { get; init; } = JanoMapSource.Analyzer;
    /// <summary>Seed of the <c>random</c> map (combined with the generation's initial noise).</summary>
    public int MapSeed { get; init; }

    /// <summary>What frozen tokens keep: post-RoPE K and V, or the self-attention input (half the bytes, K/V projected again).</summary>
    public JanoCacheMode CacheMode { get; init; } = JanoCacheMode.Kv;
    /// <summary>Storage dtype of the frozen-token caches (cast back to the model dtype when used); null: the model dtype.</summary>
    public ScalarType? CacheDType { get; init; }
    /// <summary>Where the frozen-token caches live; <see cref="JanoCacheDevice.Cpu"/> copies them to the model device when used.</summary>
    public JanoCacheDevice CacheDevice { get; init; } = JanoCacheDevice.Model;

    /// <summary>Option keys in display order.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "warmup_steps", "cooldown_steps", "static_thresh", "static_interval", "medium_thresh", "medium_interval",
        "analyze_block_size", "t_weight", "d_strength", "d_distance", "enhance", "include_xt",
        "target_speedup", "target_psnr", "overhead", "psnr_table", "cache_mode", "cache_dtype", "cache_device", "map", "map_seed",
    ];

    /// <summary>Applies <c>k=v</c> pairs on top of this record; unknown keys and bad values are errors naming the key.
    /// Checks value ranges that need no run context.</summary>
    public JanoOptions With(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var o = this;
        var list = pairs.ToList();
        var given = list.Select(p => p.Key).ToHashSet();
        foreach (var target in new[] { "target_speedup", "target_psnr" })
            foreach (var explicitKey in new[] { "static_thresh", "medium_thresh" })
                if (given.Contains(target) && given.Contains(explicitKey))
                    throw new UsageException($"{target} and {explicitKey} are mutually exclusive: give a target or explicit thresholds, not both");
        if (given.Contains("target_speedup") && given.Contains("target_psnr"))
            throw new UsageException("target_speedup and target_psnr are mutually exclusive: give one target");
        foreach (var (key, value) in list)
        {
            o = key switch
            {
                "warmup_steps" => o with { WarmupSteps = OptionList.ParseInt(key, value) },
                "cooldown_steps" => o with { CooldownSteps = OptionList.ParseInt(key, value) },
                "static_thresh" => o with { StaticThresh = OptionList.ParseDouble(key, value), TargetSpeedup = null, TargetPsnr = null },
                "static_interval" => o with { StaticInterval = OptionList.ParseInt(key, value) },
                "medium_thresh" => o with { MediumThresh = OptionList.ParseDouble(key, value), TargetSpeedup = null, TargetPsnr = null },
                "medium_interval" => o with { MediumInterval = OptionList.ParseInt(key, value) },
                "analyze_block_size" => o with { AnalyzeBlockSize = OptionList.ParseSize3(key, value) },
                "t_weight" => o with { TWeight = OptionList.ParseDouble(key, value) },
                "d_strength" => o with { DStrength = OptionList.ParseDouble(key, value) },
                "d_distance" => o with { DDistance = OptionList.ParseDouble(key, value) },
                "enhance" => o with { Enhance = OptionList.ParseBool(key, value) },
                "include_xt" => o with { IncludeXt = OptionList.ParseBool(key, value) },
                "target_speedup" => o with { TargetSpeedup = OptionList.ParseDouble(key, value), TargetPsnr = null },
                "target_psnr" => o with { TargetPsnr = OptionList.ParseDouble(key, value), TargetSpeedup = null },
                "overhead" => o with { Overhead = OptionList.ParseDouble(key, value) },
                "psnr_table" => o with { PsnrTable = ParsePsnrTable(value) },
                "cache_mode" => o with { CacheMode = ParseCacheMode(key, value) },
                "cache_dtype" => o with { CacheDType = ParseCacheDType(key, value) },
                "cache_device" => o with { CacheDevice = ParseCacheDevice(key, value) },
                "map" => o with { MapSource = ParseMapSource(key, value) },
                "map_seed" => o with { MapSeed = OptionList.ParseInt(key, value) },
                _ => throw new UsageException($"unknown option '{key}' for jano (valid: {string.Join(", ", Keys)})"),
            };
        }
        o.CheckRanges();
        return o;
    }

    /// <summary>Parses <c>s:p;s:p;...</c>: skipped fractions strictly increasing in [0, 1], PSNR not increasing.</summary>
    public static IReadOnlyList<(double Skipped, double Psnr)> ParsePsnrTable(string value)
    {
        var points = new List<(double Skipped, double Psnr)>();
        foreach (var part in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var xy = part.Split(':');
            if (xy.Length != 2) throw new UsageException($"psnr_table: '{part}' is not skipped:psnr");
            points.Add((OptionList.ParseDouble("psnr_table", xy[0]), OptionList.ParseDouble("psnr_table", xy[1])));
        }
        if (points.Count < 2) throw new UsageException("psnr_table needs at least 2 points (skipped:psnr;...)");
        for (int i = 0; i < points.Count; i++)
        {
            if (!(points[i].Skipped >= 0 && points[i].Skipped <= 1)) throw new UsageException($"psnr_table: skipped fraction {OptionList.Format(points[i].Skipped)} must be in [0, 1]");
            if (i > 0 && !(points[i].Skipped > points[i - 1].Skipped)) throw new UsageException("psnr_table: skipped fractions must increase");
            if (i > 0 && points[i].Psnr > points[i - 1].Psnr) throw new UsageException("psnr_table: PSNR must not increase with the skipped fraction");
        }
        return points;
    }
    private static JanoCacheMode ParseCacheMode(string key, string value) => value.ToLowerInvariant() switch
    {
        "kv" => JanoCacheMode.Kv,
        "hidden" => JanoCacheMode.Hidden,
        _ => throw new UsageException($"invalid value '{value}' for {key}: expected kv or hidden"),
    };

    private static ScalarType? ParseCacheDType(string key, string value) => value.ToLowerInvariant() switch
    {
        "model" => null,
        "float32" => ScalarType.Float32,
        "bfloat16" => ScalarType.BFloat16,
        "float16" => ScalarType.Float16,
        _ => throw new UsageException($"invalid value '{value}' for {key}: expected float32, bfloat16, float16 or model"),
    };

    private static JanoMapSource ParseMapSource(string key, string value) => value.ToLowerInvariant() switch
    {
        "analyzer" => JanoMapSource.Analyzer,
        "oracle" => JanoMapSource.Oracle,
        "random" => JanoMapSource.Random,
        _ => throw new UsageException($"invalid value '{value}' for {key}: expected analyzer, oracle or random"),
    };

    private static JanoCacheDevice ParseCacheDevice(string key, string value) => value.ToLowerInvariant() switch
    {
        "model" => JanoCacheDevice.Model,
        "cpu" => JanoCacheDevice.Cpu,
        _ => throw new UsageException($"invalid value '{value}' for {key}: expected model or cpu"),
    };

    /// <summary>Name of a cache dtype as the option spells it (null: <c>model</c>).</summary>
    public static string CacheDTypeName(ScalarType? dtype) => dtype switch
    {
        null => "model",
        ScalarType.Float32 => "float32",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), $"cache dtype {dtype} is not one of float32, bfloat16, float16"),
    };

    /// <summary>Range checks that need no run context.</summary>
    public void CheckRanges()
    {
        if (WarmupSteps < 1) throw new UsageException($"warmup_steps ({WarmupSteps}) must be at least 1");
        if (CooldownSteps < 0) throw new UsageException($"cooldown_steps ({CooldownSteps}) must not be negative");
        if (StaticInterval < 0) throw new UsageException($"static_interval ({StaticInterval}) must not be negative");
        if (MediumInterval < 0) throw new UsageException($"medium_interval ({MediumInterval}) must not be negative");
        RequestLimits.StepCounts(("warmup_steps", WarmupSteps), ("cooldown_steps", CooldownSteps), ("static_interval", StaticInterval), ("medium_interval", MediumInterval));
        RequestLimits.AnalysisBlock(AnalyzeBlockSize, 0, 0, 0);
        if (StaticThresh > MediumThresh) throw new UsageException($"static_thresh ({OptionList.Format(StaticThresh)}) must not exceed medium_thresh ({OptionList.Format(MediumThresh)})");
        if (TWeight < 0 || TWeight > 1) throw new UsageException($"t_weight ({OptionList.Format(TWeight)}) must be in [0, 1]");
        if (DStrength < 0) throw new UsageException($"d_strength ({OptionList.Format(DStrength)}) must not be negative");
        if (!(DDistance > 0)) throw new UsageException($"d_distance ({OptionList.Format(DDistance)}) must be positive");
        if (TargetSpeedup is { } ts && !(ts >= 1)) throw new UsageException($"target_speedup ({OptionList.Format(ts)}) must be at least 1");
        if (TargetPsnr is { } tp && !(tp > 0)) throw new UsageException($"target_psnr ({OptionList.Format(tp)}) must be positive");
        if (TargetSpeedup is not null && TargetPsnr is not null) throw new UsageException("target_speedup and target_psnr are mutually exclusive: give one target");
        if (!(Overhead >= 0 && Overhead < 1)) throw new UsageException($"overhead ({OptionList.Format(Overhead)}) must be in [0, 1)");
        if (!IncludeXt && WarmupSteps < 2) throw new UsageException($"warmup_steps ({WarmupSteps}) with include_xt=false gives fewer than 2 analysis features");
    }

    /// <summary>Checks the options against one run: step count, latent frames and the model's patch.</summary>
    public void Validate(int steps, long frames, (int T, int H, int W) patch)
    {
        CheckRanges();
        if ((long)WarmupSteps + CooldownSteps >= steps)
            throw new UsageException($"warmup_steps + cooldown_steps ({WarmupSteps} + {CooldownSteps}) must be less than steps ({steps})");
        var b = AnalyzeBlockSize;
        if (b.T % patch.T != 0 || b.H % patch.H != 0 || b.W % patch.W != 0)
            throw new UsageException($"analyze_block_size ({OptionList.Format(b)}) must be a multiple of the patch ({OptionList.Format(patch)})");
        if (frames == 1 && b.T != 1)
            throw new UsageException($"analyze_block_size ({OptionList.Format(b)}) must have t = 1 for images (T = 1)");
    }

    /// <summary>Resolved options as key/value text; target keys appear only when set, overhead only with a target, cache
    /// options only when not the default.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ToPairs()
    {
        var pairs = new List<KeyValuePair<string, string>>(BasePairs());
        if (TargetSpeedup is { } ts) pairs.Add(new("target_speedup", OptionList.Format(ts)));
        if (TargetPsnr is { } tp) pairs.Add(new("target_psnr", OptionList.Format(tp)));
        if (TargetSpeedup is not null || TargetPsnr is not null) pairs.Add(new("overhead", OptionList.Format(Overhead)));
        if (TargetPsnr is not null && PsnrTable is { } table)
            pairs.Add(new("psnr_table", string.Join(";", table.Select(p => $"{OptionList.Format(p.Skipped)}:{OptionList.Format(p.Psnr)}"))));
        if (CacheMode != JanoCacheMode.Kv) pairs.Add(new("cache_mode", "hidden"));
        if (CacheDType is not null) pairs.Add(new("cache_dtype", CacheDTypeName(CacheDType)));
        if (CacheDevice != JanoCacheDevice.Model) pairs.Add(new("cache_device", "cpu"));
        if (MapSource != JanoMapSource.Analyzer) pairs.Add(new("map", MapSource.ToString().ToLowerInvariant()));
        if (MapSource == JanoMapSource.Random) pairs.Add(new("map_seed", MapSeed.ToString(CultureInfo.InvariantCulture)));
        return pairs;
    }

    private IReadOnlyList<KeyValuePair<string, string>> BasePairs() =>
    [
        new("warmup_steps", WarmupSteps.ToString(CultureInfo.InvariantCulture)),
        new("cooldown_steps", CooldownSteps.ToString(CultureInfo.InvariantCulture)),
        new("static_thresh", OptionList.Format(StaticThresh)),
        new("static_interval", StaticInterval.ToString(CultureInfo.InvariantCulture)),
        new("medium_thresh", OptionList.Format(MediumThresh)),
        new("medium_interval", MediumInterval.ToString(CultureInfo.InvariantCulture)),
        new("analyze_block_size", OptionList.Format(AnalyzeBlockSize)),
        new("t_weight", OptionList.Format(TWeight)),
        new("d_strength", OptionList.Format(DStrength)),
        new("d_distance", OptionList.Format(DDistance)),
        new("enhance", OptionList.Format(Enhance)),
        new("include_xt", OptionList.Format(IncludeXt)),
    ];
}
