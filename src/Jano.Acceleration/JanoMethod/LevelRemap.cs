namespace Jano.Acceleration.JanoMethod;

/// <summary>Re-levels blocks by another ranking while keeping the number of blocks at each level.</summary>
public static class LevelRemap
{
    /// <summary>
    /// Levels with the same counts as <paramref name="levels"/> (1 static, 2 moderate, 3 active), assigned by ascending
    /// <paramref name="scores"/> (ties by index): the lowest-scored blocks become static, the highest active.
    /// </summary>
    public static int[] AtSameFractions(int[] levels, double[] scores)
    {
        ArgumentNullException.ThrowIfNull(levels);
        ArgumentNullException.ThrowIfNull(scores);
        if (levels.Length != scores.Length)
            throw new ArgumentException($"{scores.Length} block scores for {levels.Length} blocks", nameof(scores));
        if (scores.Any(double.IsNaN)) throw new ArgumentException("block scores must not contain NaN", nameof(scores));
        int n1 = levels.Count(l => l == 1), n2 = levels.Count(l => l == 2);
        var order = Enumerable.Range(0, scores.Length).ToArray();
        Array.Sort(order, (i, j) =>
        {
            int byScore = scores[i].CompareTo(scores[j]);
            return byScore != 0 ? byScore : i.CompareTo(j);
        });
        var remapped = new int[levels.Length];
        for (int rank = 0; rank < order.Length; rank++)
            remapped[order[rank]] = rank < n1 ? 1 : rank < n1 + n2 ? 2 : 3;
        return remapped;
    }

    /// <summary>Uniform random scores from <paramref name="seed"/>.</summary>
    public static double[] RandomScores(int count, int seed)
    {
        var rng = new Random(seed);
        var scores = new double[count];
        for (int i = 0; i < count; i++) scores[i] = rng.NextDouble();
        return scores;
    }
}
