namespace Jano.Engine.Catalog;

/// <summary>The classifier <c>jano eval</c> judges a model's frames with.</summary>
/// <param name="File">Weights file relative to the assets folder.</param>
/// <param name="SamplesPerClass">Samples per class that <c>jano eval</c> generates by default.</param>
public sealed record EvalClassifier(string File, int SamplesPerClass);
