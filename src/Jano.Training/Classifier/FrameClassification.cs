namespace Jano.Training.Classifier;

/// <summary>What <see cref="FrameClassifier.Classify"/> returns for N frames.</summary>
/// <param name="Predicted">Arg-max class per frame.</param>
/// <param name="Features">Feature vectors, row-major [N, <paramref name="FeatureDim"/>].</param>
/// <param name="FeatureDim">Length of one feature vector.</param>
public sealed record FrameClassification(int[] Predicted, float[] Features, int FeatureDim)
{
    /// <summary>Number of frames classified.</summary>
    public int Count => Predicted.Length;

    /// <summary>Fraction of frames whose prediction equals <paramref name="labels"/> (same length).</summary>
    public double Accuracy(IReadOnlyList<int> labels)
    {
        if (labels.Count != Predicted.Length) throw new ArgumentException($"{labels.Count} labels for {Predicted.Length} frames");
        if (Predicted.Length == 0) return double.NaN;
        int hit = 0;
        for (int i = 0; i < Predicted.Length; i++) if (Predicted[i] == labels[i]) hit++;
        return (double)hit / Predicted.Length;
    }
}
