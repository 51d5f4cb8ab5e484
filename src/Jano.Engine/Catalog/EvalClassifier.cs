using Jano.Training.Classifier;

namespace Jano.Engine.Catalog;

/// <summary>The classifier <c>jano eval</c> judges a model's frames with.</summary>
/// <param name="File">Weights file relative to the assets folder.</param>
/// <param name="SamplesPerClass">Samples per class that <c>jano eval</c> generates by default.</param>
public sealed record EvalClassifier(string File, int SamplesPerClass)
{
    /// <summary>The model's real data (Fashion-MNIST folder, frames per clip) for training the classifier and for the
    /// held-out references; Fashion-MNIST images or clips by default.</summary>
    public Func<string, int, IRealFrames> RealFrames { get; init; } = (directory, frames) => new FashionMnistFrames(directory, frames);
}
