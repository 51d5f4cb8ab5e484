using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Core.Tensors;

/// <summary>
/// Tensor + tensor without TorchSharp's hidden Scalar. <c>Tensor.add(Tensor)</c> in TorchSharp 0.107
/// calls <c>add(target, 1)</c>: the implicit <see cref="Scalar"/> it makes is unreachable once its handle is read, so a
/// garbage collection during the native call may finalize it while libtorch still reads it (seen as "Expected false to
/// be true ... toFloat at Scalar.h" under parallel tests). These pass one <see cref="Scalar"/> that lives for the process. (<c>sub(Tensor)</c> takes no Scalar and needs no such help.)
/// </summary>
public static class TensorArithmetic
{
    private static readonly Scalar One = 1.ToScalar();

    /// <summary><paramref name="a"/> + <paramref name="b"/> (broadcasting), a new tensor.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>Not for scalars (TorchSharp would turn the Scalar into a tensor): use <c>add(Scalar)</c> with an explicit,
    /// long-lived Scalar.</summary>
    [Obsolete("Plus adds tensors; use add(scalar) with an explicit Scalar", error: true)]
    public static Tensor Plus(this Tensor a, Scalar b) => throw new NotSupportedException();

    /// <summary><paramref name="a"/> += <paramref name="b"/>; returns <paramref name="a"/>.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);
}
