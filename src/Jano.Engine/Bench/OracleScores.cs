using Jano.Acceleration.JanoMethod;
using Jano.Core.Analysis;
using Jano.Engine.Pipelines;
using static TorchSharp.torch;

namespace Jano.Engine.Bench;

/// <summary>
/// The oracle level map's input for one seed: the guided model output of every step of an (untimed) full-compute run,
/// and per Jano setting the block scores <see cref="GroundTruth.VelocityChange"/> over that setting's interleaved phase
/// (steps W + 1 … S − C): what freezing each analysis block actually costs. Owns the recorded outputs.
/// </summary>
public sealed class OracleScores : IDisposable
{
    private readonly List<Tensor> _velocities;
    private readonly Dictionary<(int, int, int, int, int), double[]> _byOptions = new();

    private OracleScores(List<Tensor> velocities)
    {
        _velocities = velocities;
    }

    /// <summary>Steps recorded.</summary>
    public int Steps => _velocities.Count;

    /// <summary>Runs <paramref name="settings"/> with full compute and keeps every step's guided output (fp32, CPU).</summary>
    public static OracleScores Record(IDiffusionPipeline pipeline, GenerationSettings settings, EncodedCondition condition, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var kept = new List<Tensor>();
        try
        {
            using (pipeline.Denoise(settings, condition, new Core.Acceleration.NoAccelerator(), cancel: cancel,
                       observe: (_, v, _) => kept.Add(Keep(v)))) { }
            return new OracleScores(kept);
        }
        catch
        {
            foreach (var t in kept) t.Dispose();
            throw;
        }
    }

    /// <summary>Per-analysis-block scores for <paramref name="options"/> (its block size, warm-up and cool-down).</summary>
    public double[] For(JanoOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var b = options.AnalyzeBlockSize;
        var key = (b.T, b.H, b.W, options.WarmupSteps, options.CooldownSteps);
        if (!_byOptions.TryGetValue(key, out var scores))
        {
            int first = options.WarmupSteps + 1, last = Steps - options.CooldownSteps;
            scores = GroundTruth.VelocityChange(_velocities, b, first, Math.Max(first, last));
            _byOptions[key] = scores;
        }
        return scores;
    }

    private static Tensor Keep(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().to(ScalarType.Float32).cpu().clone().DetachFromDisposeScope();
    }

    public void Dispose()
    {
        foreach (var t in _velocities) t.Dispose();
        _velocities.Clear();
    }
}
