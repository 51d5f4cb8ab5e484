using Jano.Engine.Output;
using Jano.Engine.Pipelines;

namespace Jano.Engine.Jobs;

/// <summary>A finished <see cref="ComparedGeneration"/>: the accelerated run (and the full-compute run of a comparison)
/// with their final latents, the decoded frames, the level map (null without token levels or pixel patches) and the
/// report without its file list. Owns the results; dispose it, or take them with <see cref="Release"/>.</summary>
public sealed class GenerationOutcome(GenerationResult result, GenerationResult? baseline, IReadOnlyList<Frame8> frames,
    IReadOnlyList<Frame8>? baselineFrames, IReadOnlyList<Frame8>? levelMap, GenerationReport report) : IDisposable
{
    private bool _released;

    public GenerationResult Result { get; } = result;

    public GenerationResult? Baseline { get; } = baseline;

    public IReadOnlyList<Frame8> Frames { get; } = frames;

    public IReadOnlyList<Frame8>? BaselineFrames { get; } = baselineFrames;

    public IReadOnlyList<Frame8>? LevelMap { get; } = levelMap;

    public GenerationReport Report { get; } = report;

    /// <summary>Hands the results' ownership to the caller (disposing this outcome then frees nothing).</summary>
    public void Release() => _released = true;

    public void Dispose()
    {
        if (_released) return;
        _released = true;
        Result.Dispose();
        Baseline?.Dispose();
    }
}
