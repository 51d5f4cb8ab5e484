using System.Diagnostics;
using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Engine.Pipelines;

/// <summary>
/// The denoising loop shared by the pipelines: one dispose scope per step, the accelerator session's step calls,
/// the sampler update of the whole latent, per-step timing with device synchronisation, and the result.
/// Pipelines supply how a step's guided velocity is computed and how the sampler steps.
/// </summary>
public static class DenoisingLoop
{
    /// <summary>Seeded initial noise x_T in fp32 on <paramref name="device"/> (CPU generator: same seed, same noise everywhere).</summary>
    public static Tensor SeededNoise(long[] shape, long seed, Device device)
    {
        using var gen = new Generator((ulong)seed);
        using var scope = NewDisposeScope();
        var cpu = torch.randn(shape, dtype: ScalarType.Float32, generator: gen);
        return cpu.to(device).clone().MoveToOuterDisposeScope();
    }

    /// <param name="velocity">Guided velocity [C, T, H, W] (fp32) of the current latent for a step; runs the model through the session's hooks.</param>
    /// <param name="samplerStep">The sampler update (velocity, step index, latent) → next latent.</param>
    public static GenerationResult Run(IAccelerator accelerator, TransformerDescriptor descriptor, GenerationPlan plan, Device device,
        Func<IAcceleratorSession, StepInfo, Tensor, Tensor> velocity, Func<Tensor, int, Tensor, Tensor> samplerStep,
        Action<int, int>? onStep, CancellationToken cancel, Action<StepInfo, Tensor, Tensor>? observe = null)
    {
        int steps = plan.Steps;
        var records = new List<StepRecord>(steps);
        var x = plan.InitialNoise.clone();
        x.DetachFromDisposeScope();
        bool cuda = device.type == DeviceType.CUDA;
        var total = Stopwatch.StartNew();
        AcceleratorReport report;
        try
        {
            using var session = accelerator.Begin(descriptor, plan);
            for (int i = 0; i < steps; i++)
            {
                cancel.ThrowIfCancellationRequested();
                var stepWatch = Stopwatch.StartNew();
                using var scope = NewDisposeScope();
                var step = new StepInfo(i, steps, plan.Sigmas[i], plan.Sigmas[i + 1]);
                session.BeginStep(step);
                var v = velocity(session, step, x);                                     // [C, T, H, W]
                var summary = session.EndStep(step, v);
                var next = samplerStep(v, i, x);
                if (cuda) torch.cuda.synchronize();
                observe?.Invoke(step, v, next);
                next.DetachFromDisposeScope();
                x.Dispose();
                x = next;
                records.Add(new StepRecord(i, summary.Level, summary.TokensComputed, stepWatch.Elapsed.TotalSeconds, summary.Note));
                onStep?.Invoke(i + 1, steps);
            }
            report = session.Report();
        }
        catch
        {
            x.Dispose();
            throw;
        }
        double latency = total.Elapsed.TotalSeconds;
        var latent = x.to(CPU);
        if (!ReferenceEquals(latent, x)) x.Dispose();
        return new GenerationResult
        {
            Latent = latent,
            LatencySeconds = latency,
            Steps = records,
            Accelerator = report,
            Branches = plan.Branches.Count,
            TokenCount = descriptor.TokenCount,
        };
    }
}
