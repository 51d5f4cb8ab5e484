using Jano.Core.Acceleration;
using static TorchSharp.torch;

namespace Jano.Engine.Pipelines;

/// <summary>A finished generation. Owns <see cref="Latent"/> and, when decoded, <see cref="Output"/>.</summary>
public sealed record GenerationResult : IDisposable
{
    /// <summary>What ran.</summary>
    public required GenerationSettings Settings { get; init; }

    /// <summary>The final latent [C, T, H, W], fp32 on the CPU.</summary>
    public required Tensor Latent { get; init; }

    /// <summary>The decoded frames [C, F, H, W] in [−1, 1] (fp32, CPU), when the generation was decoded
    /// (<see cref="IDiffusionPipeline.Generate"/>); null after <see cref="IDiffusionPipeline.Denoise"/> alone.</summary>
    public Tensor? Output { get; init; }

    /// <summary>Seconds of the denoising loop (analysis and cache work included; load, encoding, decoding excluded).</summary>
    public required double LatencySeconds { get; init; }

    public required IReadOnlyList<StepRecord> Steps { get; init; }

    public required AcceleratorReport Accelerator { get; init; }

    public required int Branches { get; init; }

    public required int TokenCount { get; init; }

    /// <summary>Tokens computed summed over steps and branches / (steps × branches × tokens).</summary>
    public double ComputedTokenFraction =>
        Steps.Sum(s => (double)s.TokensComputed) / ((double)Steps.Count * Branches * TokenCount);

    /// <summary>Median seconds of steps per level label.</summary>
    public IReadOnlyDictionary<string, double> MedianStepSeconds =>
        Steps.GroupBy(s => s.Level, StringComparer.Ordinal).ToDictionary(g => g.Key, g => Median(g.Select(s => s.Seconds)), StringComparer.Ordinal);

    public static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }

    public void Dispose()
    {
        Latent.Dispose();
        Output?.Dispose();
    }
}
