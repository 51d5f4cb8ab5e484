using System.Globalization;
using Jano.Core.Acceleration;

namespace Jano.Engine.Pipelines;

/// <summary>
/// The phase of each step for progress reports: steps 1..W of an accelerator with <c>warmup_steps</c> = W are
/// <c>warm-up</c>, the last C of one with <c>cooldown_steps</c> = C are <c>cool-down</c>, the steps between are
/// <c>interleaved</c> for the Jano methods and otherwise carry the accelerator's label of the step.
/// </summary>
internal sealed class StepPhases
{
    private readonly int _warmup;
    private readonly int _cooldown;
    private readonly int _steps;
    private readonly bool _interleaved;

    public StepPhases(IAccelerator accelerator, int steps)
    {
        _steps = steps;
        _warmup = Option(accelerator, "warmup_steps");
        _cooldown = Option(accelerator, "cooldown_steps");
        _interleaved = accelerator.Name.StartsWith("jano", StringComparison.Ordinal);
    }

    public string Of(StepInfo step, StepSummary summary)
    {
        if (step.Number <= _warmup) return "warm-up";
        if (step.Number > _steps - _cooldown) return "cool-down";
        return _interleaved ? "interleaved" : summary.Level;
    }

    private static int Option(IAccelerator accelerator, string key)
    {
        foreach (var (k, v) in accelerator.Options)
            if (string.Equals(k, key, StringComparison.Ordinal) && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
                return Math.Max(0, n);
        return 0;
    }
}
