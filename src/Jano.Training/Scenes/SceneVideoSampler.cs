using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using Jano.Core.Sampling;
using Jano.Models.Dit;
using Jano.Models.FrameAutoencoder;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Training.Scenes;

/// <summary>
/// Full-compute samples of a scenes DiT, decoded by its autoencoder, for training previews: seeded noise
/// (<c>torch.randn</c> on the CPU with a generator seeded per sample), flow-matching Euler with timestep shift,
/// classifier-free guidance v = v_u + g·(v_c − v_u) (conditional and null-class rows in one batch), timestep σ·1000.
/// </summary>
public static class SceneVideoSampler
{
    /// <summary>Samples one clip per label; returns decoded videos [N, 3, T, H, W] in [-1, 1] (unclamped).</summary>
    public static Tensor Sample(DitModel dit, FrameAutoencoderModel autoencoder, IReadOnlyList<int> labels, IReadOnlyList<long> seeds,
        long[] latentShape, int steps, double shift, double guidance)
    {
        ArgumentNullException.ThrowIfNull(dit);
        ArgumentNullException.ThrowIfNull(autoencoder);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(seeds);
        if (labels.Count != seeds.Count || labels.Count == 0) throw new ArgumentException("give one seed per label, at least one");
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        int n = labels.Count;
        var noise = new List<Tensor>();
        foreach (var seed in seeds)
        {
            using var gen = new Generator((ulong)seed);
            noise.Add(torch.randn(latentShape, dtype: ScalarType.Float32, generator: gen));
        }
        var x = torch.stack(noise).to(dit.Device);                            // [N, C, T, H, W]
        var cond = torch.tensor(labels.Select(l => (long)l).ToArray());
        var uncond = torch.full([n], (long)dit.NullClass, dtype: ScalarType.Int64);
        var context = torch.cat([cond, uncond], 0).to(dit.Device);            // [2N]
        var condition = DiffusionCondition.ForClasses(context);
        using var run = Samplers.Create(Samplers.Euler, shift).Start(steps, imageTokens: 0);
        for (int i = 0; i < run.Schedule.Steps; i++)
        {
            using var stepScope = NewDisposeScope();
            var t = torch.full([2 * n], run.Schedule.Timesteps[i], dtype: ScalarType.Float32, device: dit.Device);
            var both = dit.Forward(torch.cat([x, x], 0), t, condition, NullHooks.Instance).to(ScalarType.Float32); // [2N, C, T, H, W]
            var vc = both[..n];
            var vu = both[n..];
            var v = vu.add(vc.sub(vu), alpha: guidance);
            x = run.Advance(v, i, x).MoveToOuterDisposeScope();
        }
        return autoencoder.DecodeVideo(x.cpu()).MoveToOuterDisposeScope();  // [N, 3, T, H, W]
    }
}
