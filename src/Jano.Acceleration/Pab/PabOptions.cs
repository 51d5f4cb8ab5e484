using System.Globalization;
using Jano.Acceleration.Common;
using Jano.Core.Options;

namespace Jano.Acceleration.Pab;

/// <summary>
/// Pyramid Attention Broadcast knobs as the Jano authors ran it on Wan (spec §5.2, <c>pab_manager.py</c>): 0-based
/// step i computes everything when i &lt; <see cref="WarmupSteps"/> or i &gt; N − <see cref="CooldownSteps"/>; otherwise
/// self-attention is computed iff (i − warmup) mod <see cref="SelfRange"/> = 0 and cross-attention iff
/// (i − warmup) mod <see cref="CrossRange"/> = 0, else the last output (after the output projection) is broadcast.
/// Only layers with layer mod <see cref="LayerInterval"/> = 0 reuse (0: none). Defaults: warmup 5, self 5, cross 8,
/// layer interval 4, cooldown 5. Off: <c>self_range=1,cross_range=1</c> (or <c>layer_interval=0</c>).
/// </summary>
public sealed record PabOptions
{
    public int WarmupSteps { get; init; } = 5;
    public int CooldownSteps { get; init; } = 5;
    public int SelfRange { get; init; } = 5;
    public int CrossRange { get; init; } = 8;
    public int LayerInterval { get; init; } = 4;

    public static IReadOnlyList<string> Keys { get; } = ["warmup_steps", "cooldown_steps", "self_range", "cross_range", "layer_interval"];

    public bool IsOff => LayerInterval == 0 || (SelfRange == 1 && CrossRange == 1);

    public PabOptions With(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var o = this;
        foreach (var (key, value) in pairs)
        {
            o = key switch
            {
                "warmup_steps" => o with { WarmupSteps = OptionList.ParseInt(key, value) },
                "cooldown_steps" => o with { CooldownSteps = OptionList.ParseInt(key, value) },
                "self_range" => o with { SelfRange = OptionList.ParseInt(key, value) },
                "cross_range" => o with { CrossRange = OptionList.ParseInt(key, value) },
                "layer_interval" => o with { LayerInterval = OptionList.ParseInt(key, value) },
                _ => throw OptionValues.Unknown("pab", key, Keys),
            };
        }
        o.CheckRanges();
        return o;
    }

    public void CheckRanges()
    {
        if (WarmupSteps < 1) throw new ArgumentException($"warmup_steps ({WarmupSteps}) must be at least 1 (the first step fills the cache)");
        if (CooldownSteps < 0) throw new ArgumentException($"cooldown_steps ({CooldownSteps}) must not be negative");
        if (SelfRange < 1) throw new ArgumentException($"self_range ({SelfRange}) must be at least 1");
        if (CrossRange < 1) throw new ArgumentException($"cross_range ({CrossRange}) must be at least 1");
        if (LayerInterval < 0) throw new ArgumentException($"layer_interval ({LayerInterval}) must not be negative");
    }

    /// <summary>True when attention of <paramref name="selfAttention"/> kind at 0-based step i of N and this layer is computed.</summary>
    public bool Computes(int i, int steps, int layer, bool selfAttention)
    {
        if (LayerInterval == 0 || layer % LayerInterval != 0) return true;
        if (i < WarmupSteps || i > steps - CooldownSteps) return true;
        return (i - WarmupSteps) % (selfAttention ? SelfRange : CrossRange) == 0;
    }

    public IReadOnlyList<KeyValuePair<string, string>> ToPairs() =>
    [
        new("warmup_steps", WarmupSteps.ToString(CultureInfo.InvariantCulture)),
        new("cooldown_steps", CooldownSteps.ToString(CultureInfo.InvariantCulture)),
        new("self_range", SelfRange.ToString(CultureInfo.InvariantCulture)),
        new("cross_range", CrossRange.ToString(CultureInfo.InvariantCulture)),
        new("layer_interval", LayerInterval.ToString(CultureInfo.InvariantCulture)),
    ];
}
