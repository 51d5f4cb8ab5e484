using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using Jano.Core.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Engine.Pipelines;

/// <summary>
/// The denoising loop, written out: seeded noise, flow-matching Euler with timestep shift, classifier-free guidance
/// (branches batched or run one by one; accelerator state is per branch row either way), one dispose scope per step.
/// </summary>
public sealed class FlowPipeline
{
    private readonly IDiffusionTransformer _model;
    private readonly IConditionEncoder _encoder;

    public FlowPipeline(IDiffusionTransformer model, IConditionEncoder encoder)
    {
        _model = model;
        _encoder = encoder;
    }

    /// <summary>Seeded initial noise x_T [C, T, H, W] in fp32 on the model's device (same seed → same noise on every machine run).</summary>
    public Tensor InitialNoise(long[] shape, long seed) => DenoisingLoop.SeededNoise(shape, seed, _model.Device);

    /// <param name="observe">Optional: called each step with the step, the guided velocity [C, T, H, W] and the latent after the
    /// step; the tensors are only valid during the call.</param>
    public GenerationResult Generate(GenerationRequest request, IAccelerator accelerator, Action<int, int>? onStep = null,
        Action<StepInfo, Tensor, Tensor>? observe = null, CancellationToken cancel = default)
    {
        if (request.Steps < 1) throw new ArgumentException("steps must be at least 1");
        using var noGrad = torch.no_grad();
        var descriptor = _model.Describe(request.LatentShape);
        var sampler = new FlowMatchEulerSampler(request.Steps, request.Shift);
        bool cfg = request.Guidance != 1.0;
        GuidanceBranch[] branches = cfg ? [GuidanceBranch.Cond, GuidanceBranch.Uncond] : [GuidanceBranch.Cond];

        using var noise = InitialNoise(request.LatentShape, request.Seed);
        using var cond = _encoder.Encode(request.Prompt);
        using var uncond = cfg ? _encoder.EncodeUnconditional(request.NegativePrompt) : null;
        using var batchedContext = cfg && request.BatchBranches ? torch.cat([cond, uncond!], 0) : null;
        var plan = new GenerationPlan(request.Steps, sampler.Sigmas, branches, noise);

        return DenoisingLoop.Run(accelerator, descriptor, plan, _model.Device,
            (session, step, x) => cfg
                ? Guided(session, x, sampler.Timestep(step.Index), cond, uncond!, batchedContext, request.Guidance)
                : Forward(session, [GuidanceBranch.Cond], x.unsqueeze(0), sampler.Timestep(step.Index), cond).squeeze(0), // [C, T, H, W]
            sampler.Step, onStep, cancel, observe);
    }

    // v = v_u + g·(v_c − v_u), fp32 [C, T, H, W]
    private Tensor Guided(IAcceleratorSession session, Tensor x, double timestep, Tensor cond, Tensor uncond, Tensor? batched, double g)
    {
        Tensor vc, vu;
        if (batched is not null)
        {
            var both = Forward(session, [GuidanceBranch.Cond, GuidanceBranch.Uncond], x.unsqueeze(0).expand(2, -1, -1, -1, -1), timestep, batched); // [2, C, T, H, W]
            vc = both[0];
            vu = both[1];
        }
        else
        {
            vc = Forward(session, [GuidanceBranch.Cond], x.unsqueeze(0), timestep, cond).squeeze(0);
            vu = Forward(session, [GuidanceBranch.Uncond], x.unsqueeze(0), timestep, uncond).squeeze(0);
        }
        return vu.add(vc.sub(vu), alpha: g);
    }

    private Tensor Forward(IAcceleratorSession session, GuidanceBranch[] rows, Tensor x, double timestep, Tensor context)
    {
        using var t = torch.full([x.shape[0]], timestep, dtype: ScalarType.Float32, device: _model.Device);
        var hooks = session.Hooks(rows);
        return _model.Forward(x, t, DiffusionCondition.ForClasses(context), hooks).to(ScalarType.Float32);
    }
}
