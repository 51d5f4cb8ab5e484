using Jano.Core.Acceleration;
using Jano.Models.Dit;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Tests;

/// <summary>Tiny seeded models and inputs shared by tests.</summary>
public static class TestModels
{
    /// <summary>The two guidance branches in plan order (batched CFG rows).</summary>
    public static GuidanceBranch[] CondUncond { get; } = [GuidanceBranch.Cond, GuidanceBranch.Uncond];

    /// <summary>The conditional branch alone.</summary>
    public static GuidanceBranch[] CondOnly { get; } = [GuidanceBranch.Cond];

    public static DitConfig TinyConfig { get; } = new()
    {
        InChannels = 2, OutChannels = 2, Patch = [1, 2, 2], Dim = 32, FfnDim = 64, NumHeads = 2, NumLayers = 2,
        NumClasses = 10, ContextTokens = 2, TextDim = 16,
    };

    /// <summary>Latent [C, T, H, W] of the tiny model: 3 frames of 8x8 → 48 tokens.</summary>
    public static long[] TinyLatent { get; } = [2, 3, 8, 8];

    public static DitModel TinyDit(long seed = 7)
    {
        var m = new DitModel(TinyConfig);
        m.InitializeWeights(seed);
        m.eval();
        return m;
    }

    public static Tensor Randn(long seed, params long[] shape)
    {
        using var g = new Generator((ulong)seed);
        return torch.randn(shape, generator: g);
    }

    /// <summary>Seeded token levels 1..3 with every level present.</summary>
    public static int[] Levels(int n, long seed)
    {
        var rng = new Random((int)seed);
        var levels = Enumerable.Range(0, n).Select(_ => rng.Next(1, 4)).ToArray();
        levels[0] = 1; levels[1] = 2; levels[2] = 3;
        return levels;
    }

    public static float MaxAbsDiff(Tensor a, Tensor b)
    {
        using var d = a.to(ScalarType.Float32).sub(b.to(ScalarType.Float32)).abs().max();
        return d.item<float>();
    }

    public static bool BitEqual(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape) || a.dtype != b.dtype) return false;
        using var eq = a.eq(b).all();
        return eq.item<bool>();
    }
}
