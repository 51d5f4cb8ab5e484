using Jano.Core.Acceleration;
using System.Globalization;
using Jano.Acceleration.Common;
using Jano.Core;
using Jano.Core.Options;

namespace Jano.Acceleration.TeaCache;

/// <summary>
/// TeaCache's knobs (ali-vilab/TeaCache, spec §5.1). <see cref="RelL1Thresh"/> 0.2 is the Wan script's setting
/// (<c>THRESH = 0.2</c>; its argparse default 0.07 is overridden). <see cref="Coefficients"/> rescale the relative L1
/// change with a polynomial (highest power first); the authors fit them per model on about 70 prompts. This project's
/// models have no calibration, so the default is the identity rescale <c>[1, 0]</c> (poly(x) = x); the shipped
/// Wan/FLUX sets are available as presets (<c>coefficients=wan2.1-1.3b</c> etc.) but were fit for those models' signals.
/// The first <see cref="WarmupSteps"/> and last <see cref="CooldownSteps"/> steps always compute (Wan non-ret mode:
/// <c>ret_steps = 2</c> calls = step 1, <c>cutoff = 2N − 2</c> calls = last step; FLUX: first and last step).
/// Off: <c>rel_l1_thresh=0</c> (never skips).
/// </summary>
public sealed record TeaCacheOptions : IStepCacheOptions
{
    public double RelL1Thresh { get; init; } = 0.2;
    public double[] Coefficients { get; init; } = [1.0, 0.0];
    public int WarmupSteps { get; init; } = 1;
    public int CooldownSteps { get; init; } = 1;

    /// <summary>Named coefficient sets (highest power first), from the authors' scripts.</summary>
    public static IReadOnlyDictionary<string, double[]> Presets { get; } = new Dictionary<string, double[]>
    {
        ["identity"] = [1.0, 0.0],
        ["wan2.1-1.3b"] = [2.39676752e3, -1.31110545e3, 2.01331979e2, -8.29855975, 1.37887774e-1],
        ["wan2.1-14b"] = [-5784.54975374, 5449.50911966, -1811.16591783, 256.27178429, -13.02252404],
        ["flux"] = [4.98651651e2, -2.83781631e2, 5.58554382e1, -3.82021401, 2.64230861e-1],
    };

    public static IReadOnlyList<string> Keys { get; } = ["rel_l1_thresh", "coefficients", "warmup_steps", "cooldown_steps"];

    /// <summary>True when the options can never skip a step.</summary>
    public bool IsOff => !(RelL1Thresh > 0);

    /// <summary>Applies <c>k=v</c> pairs; unknown keys and bad values are errors naming the key.</summary>
    public TeaCacheOptions With(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var o = this;
        foreach (var (key, value) in pairs)
        {
            o = key switch
            {
                "rel_l1_thresh" or "threshold" => o with { RelL1Thresh = OptionList.ParseDouble(key, value) },
                "coefficients" => o with
                {
                    Coefficients = Presets.TryGetValue(value.ToLowerInvariant(), out var preset) ? (double[])preset.Clone() : OptionValues.DoubleList(key, value),
                },
                "warmup_steps" => o with { WarmupSteps = OptionList.ParseInt(key, value) },
                "cooldown_steps" => o with { CooldownSteps = OptionList.ParseInt(key, value) },
                _ => throw OptionValues.Unknown("teacache", key, Keys),
            };
        }
        o.CheckRanges();
        return o;
    }

    public void CheckRanges()
    {
        if (RelL1Thresh < 0) throw new UsageException($"rel_l1_thresh ({OptionList.Format(RelL1Thresh)}) must not be negative");
        if (Coefficients.Length == 0) throw new UsageException("coefficients must hold at least one number");
        if (WarmupSteps < 1) throw new UsageException($"warmup_steps ({WarmupSteps}) must be at least 1 (the first step fills the cache)");
        if (CooldownSteps < 0) throw new UsageException($"cooldown_steps ({CooldownSteps}) must not be negative");
        RequestLimits.StepCounts(("warmup_steps", WarmupSteps), ("cooldown_steps", CooldownSteps));
    }

    /// <summary>poly(x) with <see cref="Coefficients"/> (highest power first), Horner's rule.</summary>
    public double Rescale(double x)
    {
        double y = 0;
        foreach (var c in Coefficients) y = y * x + c;
        return y;
    }

    /// <summary>Catalog name.</summary>
    public string Method => "teacache";

    /// <summary>Keys <see cref="TeaCacheRule"/> reads (on Jano: <c>jano+teacache</c>).</summary>
    public IReadOnlyList<string> RuleKeys => RuleKeyList;

    private static readonly string[] RuleKeyList = ["rel_l1_thresh", "threshold", "coefficients"];

    IStepCacheOptions IStepCacheOptions.WithRule(IEnumerable<KeyValuePair<string, string>> pairs) => With(pairs);

    public IReadOnlyList<KeyValuePair<string, string>> RulePairs() =>
    [
        new("rel_l1_thresh", OptionList.Format(RelL1Thresh)),
        new("coefficients", OptionValues.Format(Coefficients)),
    ];

    public IStepSkipRule CreateRule(TransformerDescriptor model, GenerationPlan plan) => new TeaCacheRule(this);

    public IReadOnlyList<KeyValuePair<string, string>> ToPairs() =>
    [
        new("rel_l1_thresh", OptionList.Format(RelL1Thresh)),
        new("coefficients", OptionValues.Format(Coefficients)),
        new("warmup_steps", WarmupSteps.ToString(CultureInfo.InvariantCulture)),
        new("cooldown_steps", CooldownSteps.ToString(CultureInfo.InvariantCulture)),
    ];
}
