namespace Jano.Training.Scenes;

/// <summary>One logged autoencoder step: loss, smoothed loss, learning rate, this step's seconds, and the wall and process
/// CPU seconds of training so far (across resumes).</summary>
public sealed record AutoencoderProgress(int Step, double Loss, double LossEma, double LearningRate, double Seconds, double WallSeconds, double CpuSeconds);
