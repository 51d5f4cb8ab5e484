using System.Diagnostics;
using Jano.Core.Acceleration;
using Jano.Core.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.JanoMethod;

/// <summary>
/// One Jano generation: stores warm-up outputs, analyses them at the end of step W into a token partition,
/// then drives <see cref="JanoHooks"/> by the interleaved schedule. Owns features, caches, buffers and masks.
/// </summary>
public sealed class JanoSession : IAcceleratorSession
{
    private readonly JanoOptions _options;
    private readonly TransformerDescriptor _model;
    private readonly GenerationPlan _plan;
    private readonly List<Tensor> _features = new();
    private readonly FrozenKvCache _cache;
    private readonly OutputBuffer _outputs;
    private readonly List<string> _notes = new();
    private readonly IReadOnlyList<double>? _blockScores;
    private TokenPartition? _partition;
    private ComplexityAnalysis? _analysis;
    private double _analysisSeconds;
    private int _level;
    private long _tokens;

    /// <param name="options">Jano's options.</param>
    /// <param name="model">The transformer's descriptor.</param>
    /// <param name="plan">The generation.</param>
    /// <param name="blockScores">Per-analysis-block scores of an <c>oracle</c> map (null otherwise).</param>
    public JanoSession(JanoOptions options, TransformerDescriptor model, GenerationPlan plan, IReadOnlyList<double>? blockScores = null)
    {
        if (options.MapSource == JanoMapSource.Oracle && blockScores is null)
            throw new ArgumentException("map=oracle needs block scores", nameof(blockScores));
        _blockScores = blockScores;
        options.Validate(plan.Steps, model.LatentShape[1], model.Patch);
        Jano.Core.Options.RequestLimits.AnalysisBlock(options.AnalyzeBlockSize, model.LatentShape[1], model.LatentShape[2], model.LatentShape[3]);
        _options = options;
        _model = model;
        _plan = plan;
        _cache = new FrozenKvCache(plan.Branches, options.CacheDType, options.CacheDevice == JanoCacheDevice.Cpu ? CPU : null);
        _outputs = new OutputBuffer(plan.Branches);
        if (options.IncludeXt) Keep(plan.InitialNoise);
    }

    /// <summary>The analysis, once step W has ended.</summary>
    public ComplexityAnalysis? Analysis => _analysis;

    /// <summary>Token levels (1..3) in patch order, once analysed (null before, or when degenerate).</summary>
    public TokenPartition? Partition => _partition;

    public void BeginStep(StepInfo step)
    {
        _level = _partition is null ? 0 : InterleavedSchedule.StepLevel(step.Number, _plan.Steps, _options);
        _tokens = 0;
    }

    public ITransformerHooks Hooks(IReadOnlyList<GuidanceBranch> rows)
    {
        int selected = _partition?.ForStepLevel(_level).Count ?? _model.TokenCount;
        _tokens += (long)selected * rows.Count;
        return new JanoHooks(_level, _partition, _cache, _outputs, rows, _options.CacheMode);
    }

    public StepSummary EndStep(StepInfo step, Tensor guidedOutput)
    {
        string? note = null;
        if (_analysis is null && step.Number <= _options.WarmupSteps)
        {
            Keep(guidedOutput);
            if (step.Number == _options.WarmupSteps)
            {
                Analyse();
                note = "analysis";
            }
        }
        return new StepSummary(_level == 0 ? "full" : $"L{_level}", _tokens, note);
    }

    private void Keep(Tensor t)
    {
        using var scope = NewDisposeScope();
        var copy = t.detach().to(ScalarType.Float32).clone();
        _features.Add(copy.DetachFromDisposeScope());
    }

    private void Analyse()
    {
        var sw = Stopwatch.StartNew();
        using (var scope = NewDisposeScope())
        {
            var stacked = torch.stack(_features, 0); // [n, C, T, H, W]
            var settings = new AnalyzerSettings(_options.AnalyzeBlockSize, _options.TWeight, _options.DStrength,
                _options.DDistance, _options.Enhance, _options.StaticThresh, _options.MediumThresh);
            _analysis = ComplexityAnalyzer.Analyze(stacked, settings);
        }
        foreach (var f in _features) f.Dispose();
        _features.Clear();
        if (!_analysis.Degenerate && (_options.TargetSpeedup is not null || _options.TargetPsnr is not null))
            ApplyTarget(_analysis);
        if (!_analysis.Degenerate && _options.MapSource != JanoMapSource.Analyzer)
            ApplyMapSource(_analysis);
        if (_analysis.Degenerate)
        {
            _notes.Add("degenerate complexity score (all blocks equal): fell back to full compute");
        }
        else
        {
            var levels = TokenLevelMap.Map(_analysis.Levels, _analysis.Grid, _model.LatentShape, _options.AnalyzeBlockSize, _model.Patch);
            _partition = new TokenPartition(levels, _plan.InitialNoise.device);
        }
        _analysisSeconds = sw.Elapsed.TotalSeconds;
    }

    /// <summary>Thresholds chosen for a target (null without one, or before the analysis).</summary>
    public (double Static, double Medium, double Predicted)? ChosenThresholds { get; private set; }

    /// <summary>Current step's level (0 full, 1..3 per the interleaved schedule), valid after <see cref="BeginStep"/>.</summary>
    public int Level => _level;

    /// <summary>A copy of the last full model output [B, N, P] of the branches <paramref name="rows"/> (Jano's output buffer,
    /// refreshed by level-3 steps and written by cheap steps); for step-level caches layered on Jano. Throws before the
    /// first level-3 step.</summary>
    public Tensor CurrentOutput(IReadOnlyList<GuidanceBranch> rows) => _outputs.Current(rows);

    /// <summary>Re-ranks the analysed blocks by the oracle's or random scores, keeping the analyzer's level counts.</summary>
    private void ApplyMapSource(ComplexityAnalysis a)
    {
        double[] scores;
        if (_options.MapSource == JanoMapSource.Oracle)
        {
            if (_blockScores!.Count != a.Levels.Length)
                throw new ArgumentException($"the oracle map has {_blockScores.Count} block scores; the analysis grid has {a.Levels.Length} blocks");
            scores = _blockScores.ToArray();
        }
        else
        {
            scores = LevelRemap.RandomScores(a.Levels.Length, unchecked(_options.MapSeed * 486187739 + NoiseFingerprint()));
        }
        var levels = LevelRemap.AtSameFractions(a.Levels, scores);
        _analysis = new ComplexityAnalysis(a.Grid, a.RawScore, a.Score, levels, a.FeatureCount, a.Lag, a.Degenerate, a.Temporal, a.Spatial);
        _notes.Add($"level map: {_options.MapSource.ToString().ToLowerInvariant()} ranking at the analyzer's level fractions");
    }

    // A deterministic fingerprint of the generation's initial noise (FNV-1a over the bits of its first values), so a random
    // map differs per seed and is the same in every process (string/HashCode hashing is randomised per process).
    private int NoiseFingerprint()
    {
        using var scope = NewDisposeScope();
        var head = _plan.InitialNoise.reshape(-1).narrow(0, 0, Math.Min(16, _plan.InitialNoise.numel())).to(ScalarType.Float32).cpu();
        uint hash = 2166136261;
        foreach (var v in head.data<float>().ToArray())
            hash = unchecked((hash ^ (uint)BitConverter.SingleToInt32Bits(v)) * 16777619);
        return unchecked((int)hash);
    }

    /// <summary>Re-levels the analysed blocks with thresholds chosen for the target from the scores alone (no model runs).</summary>
    private void ApplyTarget(ComplexityAnalysis a)
    {
        var chosen = _options.TargetSpeedup is { } speedup
            ? ThresholdTargeting.ForSpeedup(a.Score, _plan.Steps, _options, speedup)
            : ThresholdTargeting.ForPsnr(a.Score, _plan.Steps, _options, _options.TargetPsnr!.Value);
        float staticCut = (float)chosen.Static, mediumCut = (float)chosen.Medium;
        var levels = a.Score.Select(x => x <= staticCut ? 1 : x <= mediumCut ? 2 : 3).ToArray();
        _analysis = new ComplexityAnalysis(a.Grid, a.RawScore, a.Score, levels, a.FeatureCount, a.Lag, a.Degenerate, a.Temporal, a.Spatial);
        ChosenThresholds = chosen;
        string target = _options.TargetSpeedup is { } t
            ? $"target_speedup {OptionList.Format(t)}"
            : $"target_psnr {OptionList.Format(_options.TargetPsnr!.Value)} (default PSNR table, not calibrated)";
        _notes.Add($"{target}: chose static_thresh {OptionList.Format(chosen.Static)}, medium_thresh {OptionList.Format(chosen.Medium)}, " +
                   $"predicted speedup {chosen.Predicted.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)} (overhead {OptionList.Format(_options.Overhead)})");
    }

    public AcceleratorReport Report()
    {
        IReadOnlyDictionary<string, double>? fractions = _partition is null
            ? (_analysis is null ? null : new Dictionary<string, double> { ["static"] = 0, ["moderate"] = 0, ["active"] = 1 })
            : new Dictionary<string, double>
            {
                ["static"] = _partition.Fraction(1),
                ["moderate"] = _partition.Fraction(2),
                ["active"] = _partition.Fraction(3),
            };
        return new AcceleratorReport
        {
            Method = "jano",
            AnalysisSeconds = _analysisSeconds,
            LevelFractions = fractions,
            TokenLevels = _partition?.Levels ?? (_analysis is null ? null : Enumerable.Repeat(3, _model.TokenCount).ToArray()),
            TokenGrid = _model.TokenGrid,
            CacheBytes = _cache.PeakBytes + _outputs.Bytes,
            Notes = _partition is null ? _notes.ToArray() : [.. _notes, CacheNote()],
        };
    }

    /// <summary>Peak bytes of the frozen-token caches (K/V or hidden states), without the output buffer.</summary>
    public long FrozenCacheBytes => _cache.PeakBytes;

    private string CacheNote() =>
        $"frozen-token cache: {(_options.CacheMode == JanoCacheMode.Kv ? "kv" : "hidden")}, " +
        $"{JanoOptions.CacheDTypeName(_options.CacheDType)} dtype, on {(_options.CacheDevice == JanoCacheDevice.Cpu ? "cpu" : "the model device")}, " +
        $"peak {_cache.PeakBytes} bytes (+ output buffer {_outputs.Bytes} bytes)";

    public void Dispose()
    {
        foreach (var f in _features) f.Dispose();
        _features.Clear();
        _cache.Dispose();
        _outputs.Dispose();
        _partition?.Dispose();
        _partition = null;
    }
}
