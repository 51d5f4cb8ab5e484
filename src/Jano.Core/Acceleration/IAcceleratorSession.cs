using System.Diagnostics.CodeAnalysis;
using static TorchSharp.torch;

namespace Jano.Core.Acceleration;

/// <summary>
/// One generation's accelerator state (caches, masks, counters). Created by <see cref="IAccelerator.Begin"/>,
/// disposed by the pipeline; owns every tensor it keeps across steps.
/// </summary>
public interface IAcceleratorSession : IDisposable
{
    /// <summary>Called once at the top of each step, before any forward.</summary>
    [SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "step is the denoising step, the word every caller and implementation uses; the clash is with Visual Basic's Step keyword and this library targets C# only")]
    void BeginStep(StepInfo step);

    /// <summary>Hooks for one model forward in the current step whose batch rows are <paramref name="rows"/>
    /// (e.g. [Cond, Uncond] when branches are batched, or [Cond] alone).</summary>
    ITransformerHooks Hooks(IReadOnlyList<GuidanceBranch> rows);

    /// <summary>Called after the step's forwards with the guided model output (velocity) [C, T, H, W] that the
    /// sampler is about to use, before the latent update. The session must copy what it keeps.</summary>
    [SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "step is the denoising step, the word every caller and implementation uses; the clash is with Visual Basic's Step keyword and this library targets C# only")]
    StepSummary EndStep(StepInfo step, Tensor guidedOutput);

    /// <summary>Everything the session measured and decided, for reports.</summary>
    AcceleratorReport Report();
}
