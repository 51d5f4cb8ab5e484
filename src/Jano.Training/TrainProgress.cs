namespace Jano.Training;

/// <summary>One logged training step: <paramref name="Seconds"/> of this step; wall and process CPU seconds of training so far
/// (across compact resumes; 0 where not tracked). <paramref name="FrameStep"/>: the step trained on single frames (joint
/// image-video training); its loss is smoothed in <paramref name="FrameLossEma"/>, while <paramref name="LossEma"/> smooths
/// the clip steps' losses only, so it stays comparable with clip-only training.</summary>
public sealed record TrainProgress(int Step, double Loss, double LossEma, double LearningRate, double Seconds, double WallSeconds = 0,
    double CpuSeconds = 0, bool FrameStep = false, double FrameLossEma = double.NaN);
