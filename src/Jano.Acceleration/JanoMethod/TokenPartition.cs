using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.JanoMethod;

/// <summary>
/// Token sets of a 3-level mask (1 static, 2 medium, 3 active), in patch-embedding order, as selections and
/// index tensors on the model's device. Owns its tensors.
/// </summary>
public sealed class TokenPartition : IDisposable
{
    public TokenPartition(int[] tokenLevels, Device device)
    {
        Levels = (int[])tokenLevels.Clone();
        int n = Levels.Length;
        if (Levels.Any(l => l < 1 || l > 3)) throw new ArgumentException("token levels must be 1, 2 or 3");
        long[] Where(Func<int, bool> f) => Enumerable.Range(0, n).Where(i => f(Levels[i])).Select(i => (long)i).ToArray();
        var nonStatic = Where(l => l >= 2);
        var mediumInNonStatic = Enumerable.Range(0, nonStatic.Length).Where(j => Levels[nonStatic[j]] == 2).Select(j => (long)j).ToArray();
        StaticIndex = Owned(Where(l => l == 1), device);
        MediumIndex = Owned(Where(l => l == 2), device);
        MediumInNonStatic = Owned(mediumInNonStatic, device);
        FrozenIndex = Owned(Where(l => l == 2).Concat(Where(l => l == 1)).ToArray(), device);
        using (var idx = torch.tensor(nonStatic, dtype: ScalarType.Int64)) NonStatic = TokenSelection.Subset(n, idx);
        using (var idx = torch.tensor(Where(l => l == 3), dtype: ScalarType.Int64)) Active = TokenSelection.Subset(n, idx);
        All = TokenSelection.All(n);
    }

    public int[] Levels { get; }

    public int Total => Levels.Length;

    /// <summary>Rows of static tokens [s].</summary>
    public Tensor StaticIndex { get; }

    /// <summary>Rows of medium tokens [m].</summary>
    public Tensor MediumIndex { get; }

    /// <summary>Positions of medium tokens inside the non-static subsequence [m].</summary>
    public Tensor MediumInNonStatic { get; }

    /// <summary>Rows of medium then static tokens [m + s], the order cached frozen rows follow the computed ones.</summary>
    public Tensor FrozenIndex { get; }

    /// <summary>Number of medium tokens m.</summary>
    public int MediumCount => (int)MediumIndex.shape[0];

    /// <summary>Number of static tokens s.</summary>
    public int StaticCount => (int)StaticIndex.shape[0];

    public TokenSelection All { get; }

    public TokenSelection NonStatic { get; }

    public TokenSelection Active { get; }

    /// <summary>The selection a step level computes: 0 and 3 all, 2 non-static, 1 active.</summary>
    public TokenSelection ForStepLevel(int level) => level switch
    {
        0 or 3 => All,
        2 => NonStatic,
        1 => Active,
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };

    public double Fraction(int level) => Total == 0 ? 0 : (double)Levels.Count(l => l == level) / Total;

    private static Tensor Owned(long[] values, Device device)
    {
        using var cpu = torch.tensor(values, dtype: ScalarType.Int64);
        var t = cpu.to(device);
        t.DetachFromDisposeScope();
        return t;
    }

    public void Dispose()
    {
        StaticIndex.Dispose();
        MediumIndex.Dispose();
        MediumInNonStatic.Dispose();
        FrozenIndex.Dispose();
        NonStatic.Dispose();
        Active.Dispose();
        All.Dispose();
    }
}
