using Jano.Models.FrameAutoencoder;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Training.Scenes;

/// <summary>Reconstruction quality and latent statistics of a <see cref="FrameAutoencoderModel"/> on scene clips.</summary>
public static class AutoencoderEvaluation
{
    /// <summary>Encodes and decodes <paramref name="clips"/> clips drawn from <paramref name="source"/> with
    /// <c>new Random(seed)</c> and compares the 8-bit frames (see <see cref="ReconstructionQuality"/>).</summary>
    public static ReconstructionQuality Measure(FrameAutoencoderModel model, SceneSource source, int clips, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        if (clips < 1) throw new ArgumentOutOfRangeException(nameof(clips), clips, "clips must be positive");
        var rng = new Random(seed);
        long per = source.Shape.Aggregate(1L, (a, b) => a * b);
        var buffer = new float[per];
        double totalSse = 0, sumPsnr = 0, minPsnr = double.PositiveInfinity;
        long totalCount = 0;
        using var noGrad = torch.no_grad();
        for (int i = 0; i < clips; i++)
        {
            source.NextSample(rng, buffer);
            using var scope = NewDisposeScope();
            var x = torch.tensor(buffer, [1, .. source.Shape]);               // [1, 3, T, H, W]
            var y = model.DecodeVideo(model.EncodeVideo(x));                  // [1, 3, T, H, W]
            var qx = ToBytes(x);
            var qy = ToBytes(y);
            double sse = qx.sub(qy).square().sum().item<double>();
            long count = qx.numel();
            totalSse += sse;
            totalCount += count;
            double psnr = Psnr(sse, count);
            sumPsnr += Math.Min(psnr, 100);
            minPsnr = Math.Min(minPsnr, psnr);
        }
        return new ReconstructionQuality(clips, Psnr(totalSse, totalCount), sumPsnr / clips, minPsnr);
    }

    /// <summary>Per-channel mean and standard deviation of the raw latents of <paramref name="clips"/> clips (every frame,
    /// every position), drawn from <paramref name="source"/> with <c>new Random(seed)</c>.</summary>
    public static (double[] Mean, double[] Std) LatentStats(FrameAutoencoderModel model, SceneSource source, int clips, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        if (clips < 1) throw new ArgumentOutOfRangeException(nameof(clips), clips, "clips must be positive");
        int z = model.Config.LatentChannels;
        var sum = new double[z];
        var sumSq = new double[z];
        long n = 0;
        var rng = new Random(seed);
        long per = source.Shape.Aggregate(1L, (a, b) => a * b);
        var buffer = new float[per];
        using var noGrad = torch.no_grad();
        for (int i = 0; i < clips; i++)
        {
            source.NextSample(rng, buffer);
            using var scope = NewDisposeScope();
            var x = torch.tensor(buffer, [1, .. source.Shape]);               // [1, 3, T, H, W]
            var frames = x.squeeze(0).transpose(0, 1);                       // [T, 3, H, W]
            var lat = model.Encode(frames).to(ScalarType.Float64);            // [T, z, h, w]
            var s = lat.sum([0, 2, 3]).data<double>().ToArray();
            var s2 = lat.square().sum([0, 2, 3]).data<double>().ToArray();
            for (int c = 0; c < z; c++)
            {
                sum[c] += s[c];
                sumSq[c] += s2[c];
            }
            n += lat.shape[0] * lat.shape[2] * lat.shape[3];
        }
        var mean = new double[z];
        var std = new double[z];
        for (int c = 0; c < z; c++)
        {
            mean[c] = sum[c] / n;
            std[c] = Math.Sqrt(Math.Max(sumSq[c] / n - mean[c] * mean[c], 1e-12));
        }
        return (mean, std);
    }

    private static Tensor ToBytes(Tensor x) =>
        x.to(ScalarType.Float64).add(1).div(2).clamp(0, 1).mul(255).round();

    private static double Psnr(double sse, long count) =>
        sse == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / (sse / count));
}
