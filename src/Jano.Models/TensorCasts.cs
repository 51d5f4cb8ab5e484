using static TorchSharp.torch;

namespace Jano.Models;

/// <summary>Dtype conversions that skip the call when the tensor already has the dtype. <c>Tensor.to(dtype)</c> always
/// crosses into libtorch and makes a new handle, even when it returns an alias; in a cheap step over a few dozen tokens
/// those no-op calls were a measurable share of the step.</summary>
internal static class TensorCasts
{
    /// <summary><paramref name="x"/> itself when it is already <paramref name="dtype"/>, else a converted copy. The caller
    /// must not dispose the result separately from <paramref name="x"/> (it may be the same object).</summary>
    public static Tensor As(this Tensor x, ScalarType dtype) => x.dtype == dtype ? x : x.to(dtype);

    /// <summary><paramref name="x"/> as fp32 (itself when it already is).</summary>
    public static Tensor AsFloat32(this Tensor x) => x.As(ScalarType.Float32);
}
