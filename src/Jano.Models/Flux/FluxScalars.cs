using TorchSharp;

namespace Jano.Models.Flux;

/// <summary>Scalars kept alive for the process (TorchSharp 0.107 does not keep an implicit Scalar alive across the native call).</summary>
internal static class FluxScalars
{
    public static readonly Scalar One = 1.0.ToScalar();
}
