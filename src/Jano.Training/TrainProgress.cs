namespace Jano.Training;

/// <summary>One logged training step.</summary>
public sealed record TrainProgress(int Step, double Loss, double LossEma, double LearningRate, double Seconds);
