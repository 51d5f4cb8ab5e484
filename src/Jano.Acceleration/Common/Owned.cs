using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.Common;

/// <summary>Helpers for tensors a session keeps across steps: detached copies that no dispose scope owns.</summary>
public static class Owned
{
    /// <summary>A detached fp32-preserving copy of <paramref name="t"/> that survives every dispose scope; the caller disposes it.</summary>
    public static Tensor Copy(Tensor t)
    {
        using var scope = NewDisposeScope();
        var copy = t.detach().clone();
        return copy.DetachFromDisposeScope();
    }

    /// <summary>Replaces <paramref name="slot"/> with an owned copy of <paramref name="value"/>, disposing the old tensor.</summary>
    public static void Set(ref Tensor? slot, Tensor value)
    {
        var copy = Copy(value);
        slot?.Dispose();
        slot = copy;
    }

    /// <summary>Disposes <paramref name="slot"/> and clears it.</summary>
    public static void Clear(ref Tensor? slot)
    {
        slot?.Dispose();
        slot = null;
    }

    /// <summary>Bytes held by a tensor (0 for null).</summary>
    public static long Bytes(Tensor? t) => t is null ? 0 : t.NumberOfElements * t.ElementSize;

    /// <summary>Row <paramref name="r"/> of a batch, keeping the batch dimension: [B, ...] → [1, ...].</summary>
    public static Tensor Row(Tensor t, int r) => t.narrow(0, r, 1);

    /// <summary>Mean absolute value as a double.</summary>
    public static double MeanAbs(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.to(ScalarType.Float32).abs().mean().item<float>();
    }

    /// <summary>Mean absolute difference as a double.</summary>
    public static double MeanAbsDiff(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return a.to(ScalarType.Float32).sub(b.to(ScalarType.Float32)).abs().mean().item<float>();
    }
}
