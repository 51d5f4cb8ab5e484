using System.Diagnostics.CodeAnalysis;
using Jano.Core.Acceleration;
using static TorchSharp.torch;

namespace Jano.Acceleration.Common;

/// <summary>
/// The skip rule of a step-level cache (TeaCache, MagCache, EasyCache), apart from what a skip reuses: per guidance branch,
/// from what it observes of each forward's block stack, whether that branch may skip this step. The standalone caches add
/// a cached residual on a skip; Jano with a step cache (<c>jano+NAME</c>) reuses Jano's last full output instead and feeds
/// the rule the rows its cheap steps compute. State is keyed by <see cref="GuidanceBranch"/>. Owns what it keeps.
/// </summary>
public interface IStepSkipRule : IDisposable
{
    /// <summary>Start of a step; <paramref name="forced"/>: the step computes whatever the rule says (warm-up, cool-down,
    /// Jano's full and level-3 steps); the rule still observes it.</summary>
    [SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "step is the denoising step, as in IAcceleratorSession.BeginStep; the clash is with Visual Basic's Step keyword and this library targets C# only")]
    void BeginStep(StepInfo step, bool forced);

    /// <summary>Observes one forward of <paramref name="rows"/> (one branch per batch row) and says whether every row may
    /// skip. <paramref name="reusable"/>: what a skip would reuse exists for every row (a rule may count only such steps).</summary>
    bool Decide(GuidanceBranch[] rows, StackSignal signal, bool reusable);

    /// <summary>The forward ran its blocks: <paramref name="output"/> [B, n, C] is the stack output of the signal's rows.</summary>
    void Computed(GuidanceBranch[] rows, StackSignal signal, Tensor output);

    /// <summary>The forward skipped: <paramref name="output"/> [B, n, C] is the stack output the caller substituted, or null
    /// when the caller replaced the whole model output (Jano's buffer) and has no stack output.</summary>
    void Reused(GuidanceBranch[] rows, StackSignal signal, Tensor? output);

    /// <summary>Bytes the rule holds now (kept probes, inputs, outputs).</summary>
    long Bytes { get; }
}
