namespace Jano.Training;

/// <summary>One logged training step: <paramref name="Seconds"/> of this step; wall and process CPU seconds of training so far
/// (across compact resumes; 0 where not tracked).</summary>
public sealed record TrainProgress(int Step, double Loss, double LossEma, double LearningRate, double Seconds, double WallSeconds = 0, double CpuSeconds = 0);
