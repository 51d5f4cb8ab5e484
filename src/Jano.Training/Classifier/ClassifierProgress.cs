namespace Jano.Training.Classifier;

/// <summary>Progress of classifier training: after every <see cref="ClassifierTrainer.LogEvery"/> steps and at the end of each epoch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Step">Optimizer steps so far.</param>
/// <param name="StepsPerEpoch">Steps in one epoch.</param>
/// <param name="Loss">Smoothed cross-entropy.</param>
/// <param name="Seconds">Seconds since training started.</param>
/// <param name="EpochEnd">True for the report at the end of an epoch.</param>
public sealed record ClassifierProgress(int Epoch, int Step, int StepsPerEpoch, double Loss, double Seconds, bool EpochEnd);
