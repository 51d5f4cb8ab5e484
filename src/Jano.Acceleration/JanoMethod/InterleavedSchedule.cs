namespace Jano.Acceleration.JanoMethod;

/// <summary>
/// Jano's step levels (spec §2). For 1-based step t and k = t − W − 1: level 0 (full, caches untouched) in warm-up
/// (t ≤ W), cool-down (t &gt; N − cooldown) or when an interval is 0; else 3 if k mod static_interval = 0 (full compute,
/// refresh every cache), 2 if k mod medium_interval = 0 (medium + active, refresh medium), 1 otherwise (active only).
/// </summary>
public static class InterleavedSchedule
{
    public static int StepLevel(int t, int steps, JanoOptions o)
    {
        if (t < 1 || t > steps) throw new ArgumentOutOfRangeException(nameof(t), $"step {t} is outside 1..{steps}");
        if (t <= o.WarmupSteps || t > steps - o.CooldownSteps || o.StaticInterval * o.MediumInterval == 0) return 0;
        int k = t - o.WarmupSteps - 1;
        if (k % o.StaticInterval == 0) return 3;
        if (k % o.MediumInterval == 0) return 2;
        return 1;
    }

    /// <summary>Levels of steps 1..N.</summary>
    public static int[] All(int steps, JanoOptions o) =>
        Enumerable.Range(1, steps).Select(t => StepLevel(t, steps, o)).ToArray();
}
