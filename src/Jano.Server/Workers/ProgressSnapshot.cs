namespace Jano.Server.Workers;

/// <summary>A running job's latest progress, as stored in the queue and sent over Server-Sent Events.</summary>
/// <param name="Phase">The run (<c>encode</c>, <c>warm-up</c>, <c>full 1/1</c>, <c>jano 1/1</c>, <c>decode</c>).</param>
/// <param name="Step">Steps done in this run.</param>
/// <param name="Steps">Steps of this run.</param>
/// <param name="StepPhase">The step's place in the accelerator's schedule (<c>warm-up</c>, <c>interleaved</c>, <c>cool-down</c>).</param>
/// <param name="Level">The finished step's level (<c>full</c>, <c>L1</c>..<c>L3</c>), or null at a run's start.</param>
/// <param name="Tokens">Tokens computed by the finished step.</param>
/// <param name="ElapsedS">Seconds since the job started on its worker.</param>
/// <param name="LevelMap">Jano's level map as a PNG data URL once its analysis has run in this attempt, else null.</param>
/// <param name="Sequence">Counts the reports of this attempt (so a client sees every distinct step).</param>
/// <param name="Preview">The latest low-resolution preview of the picture as it forms (the clean picture predicted at that
/// step; at most 128 pixels a frame side, frames side by side) as a PNG data URL, or null before the first.</param>
public sealed record ProgressSnapshot(string Phase, int Step, int Steps, string? StepPhase, string? Level, long? Tokens, double ElapsedS, string? LevelMap,
    int Sequence, string? Preview = null);
