using System.Globalization;
using Jano.Acceleration.Common;
using Jano.Core.Options;

namespace Jano.Acceleration.Ras;

/// <summary>
/// RAS knobs (microsoft/RAS, SD3 script; spec §5.4): <see cref="SampleRatio"/> 0.5 of the tokens are computed on a RAS
/// step; 0-based steps <see cref="StartStep"/> (4) ..= <see cref="EndStep"/> (30) are RAS steps except the dense
/// "error reset" steps <see cref="ResetSteps"/> (12, 22); every other step is dense. Skipped tokens are ranked by the
/// per-token spread of the last step's update multiplied by exp(<see cref="StarvationScale"/> · drop count) (drop count
/// starts at −(N + 1), +1 per drop); <see cref="HighRatio"/> 1 skips the highest-ranked (0: the lowest). These are
/// 50-step settings: for other step counts pass scaled steps. Off: <c>sample_ratio=1</c>.
/// </summary>
public sealed record RasOptions
{
    public double SampleRatio { get; init; } = 0.5;
    public int StartStep { get; init; } = 4;
    public int EndStep { get; init; } = 30;
    public int[] ResetSteps { get; init; } = [12, 22];
    public double HighRatio { get; init; } = 1.0;
    public double StarvationScale { get; init; } = 0.1;

    public static IReadOnlyList<string> Keys { get; } = ["sample_ratio", "start_step", "end_step", "reset_steps", "high_ratio", "starvation_scale"];

    public bool IsOff => SampleRatio >= 1;

    public RasOptions With(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var o = this;
        foreach (var (key, value) in pairs)
        {
            o = key switch
            {
                "sample_ratio" => o with { SampleRatio = OptionList.ParseDouble(key, value) },
                "start_step" => o with { StartStep = OptionList.ParseInt(key, value) },
                "end_step" => o with { EndStep = OptionList.ParseInt(key, value) },
                "reset_steps" => o with { ResetSteps = OptionValues.IntList(key, value) },
                "high_ratio" => o with { HighRatio = OptionList.ParseDouble(key, value) },
                "starvation_scale" => o with { StarvationScale = OptionList.ParseDouble(key, value) },
                _ => throw OptionValues.Unknown("ras", key, Keys),
            };
        }
        o.CheckRanges();
        return o;
    }

    public void CheckRanges()
    {
        if (!(SampleRatio > 0) || SampleRatio > 1) throw new ArgumentException($"sample_ratio ({OptionList.Format(SampleRatio)}) must be in (0, 1]");
        if (StartStep < 1) throw new ArgumentException($"start_step ({StartStep}) must be at least 1 (a dense step fills the caches)");
        if (EndStep < StartStep) throw new ArgumentException($"end_step ({EndStep}) must not be less than start_step ({StartStep})");
        if (ResetSteps.Any(s => s < 0)) throw new ArgumentException("reset_steps must not be negative");
        if (HighRatio < 0 || HighRatio > 1) throw new ArgumentException($"high_ratio ({OptionList.Format(HighRatio)}) must be in [0, 1]");
        if (StarvationScale < 0) throw new ArgumentException($"starvation_scale ({OptionList.Format(StarvationScale)}) must not be negative");
    }

    /// <summary>True when 0-based step i computes a token subset.</summary>
    public bool IsRasStep(int i) => !IsOff && i >= StartStep && i <= EndStep && !ResetSteps.Contains(i);

    /// <summary>Tokens skipped on a RAS step out of n.</summary>
    public int SkipCount(int n) => Math.Clamp((int)Math.Round((1 - SampleRatio) * n, MidpointRounding.AwayFromZero), 0, n - 1);

    public IReadOnlyList<KeyValuePair<string, string>> ToPairs() =>
    [
        new("sample_ratio", OptionList.Format(SampleRatio)),
        new("start_step", StartStep.ToString(CultureInfo.InvariantCulture)),
        new("end_step", EndStep.ToString(CultureInfo.InvariantCulture)),
        new("reset_steps", OptionValues.Format(ResetSteps)),
        new("high_ratio", OptionList.Format(HighRatio)),
        new("starvation_scale", OptionList.Format(StarvationScale)),
    ];
}
