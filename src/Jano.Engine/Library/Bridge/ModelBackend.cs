using Jano.Core.Acceleration;
using Jano.Engine.Output;

namespace Jano.Bridge;

/// <summary>
/// The only model-specific code of the library entry point: today's engine types (the catalog's
/// <c>LoadedModel</c>/<c>FlowPipeline</c>, <c>WanPipeline</c>) behind one internal surface. The pipeline contract of
/// issue 11 replaces this folder; <see cref="JanoModel"/> and <see cref="JanoResult"/> stay as they are.
/// </summary>
internal abstract class ModelBackend : IDisposable
{
    public abstract JanoModelInfo Info { get; }

    /// <summary>Path of the weights, or "random (seed N)".</summary>
    public abstract string WeightsSource { get; }

    /// <summary>Device name as in reports (<c>cpu</c>, <c>cuda</c>).</summary>
    public abstract string Device { get; }

    /// <summary>Dtype name as in reports (<c>float32</c>, <c>bfloat16</c>).</summary>
    public abstract string DType { get; }

    /// <summary>Accelerator <paramref name="name"/> with this model's preset and calibration under <paramref name="options"/>.</summary>
    public abstract IAccelerator CreateAccelerator(string name, string? options);

    /// <summary>Checks every field of <paramref name="request"/> against this model before any compute; bad input is an
    /// <see cref="ArgumentException"/> with one line naming it.</summary>
    public abstract PreparedRun Prepare(JanoRequest request);

    /// <summary>Starts a call (Wan2.1: encodes the prompts, then loads the DiT); <paramref name="onPhase"/> gets phase names.</summary>
    public abstract IBackendRun Start(PreparedRun run, Action<string> onPhase);

    /// <summary>Jano's level map over <paramref name="frames"/>, or null when the report has no token levels or the model's
    /// tokens are not pixel patches (Wan2.1's latent is VAE-compressed).</summary>
    public abstract IReadOnlyList<Frame8>? LevelMap(IReadOnlyList<Frame8> frames, AcceleratorReport report);

    public abstract void Dispose();

    /// <summary>The plan the pipelines build, for validating an accelerator before any compute.</summary>
    protected static GenerationPlan ValidationPlan(Engine.Pipelines.GenerationRequest request, TorchSharp.torch.Tensor noise) =>
        new(request.Steps, new double[request.Steps + 1],
            request.Guidance != 1.0 ? [GuidanceBranch.Cond, GuidanceBranch.Uncond] : [GuidanceBranch.Cond], noise);

    /// <summary>Checks the fields every model shares.</summary>
    protected static void CheckCommon(JanoRequest r)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (string.IsNullOrWhiteSpace(r.Prompt)) throw new ArgumentException("prompt is empty");
        if (r.Repeats < 1) throw new ArgumentException($"repeats ({r.Repeats}) must be at least 1");
        if (r.Steps is < 1) throw new ArgumentException($"steps ({r.Steps}) must be at least 1");
        if (r.Guidance is { } g && !(g >= 1.0)) throw new ArgumentException(FormattableString.Invariant($"guidance ({g}) must be at least 1"));
        if (r.Shift is { } s && !(s > 0)) throw new ArgumentException(FormattableString.Invariant($"shift ({s}) must be positive"));
        if ((r.Width is null) != (r.Height is null)) throw new ArgumentException("give both width and height, or neither");
        if (r.Width is < 1 || r.Height is < 1) throw new ArgumentException($"size {r.Width}x{r.Height} must be positive");
        if (r.Frames is < 1) throw new ArgumentException($"frames ({r.Frames}) must be at least 1");
    }
}
