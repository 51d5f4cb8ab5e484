using static TorchSharp.torch;

namespace Jano.Engine.Catalog;

/// <summary>Load-time settings: where the model runs and in which dtype.</summary>
public sealed record LoadOptions(Device Device, ScalarType DType)
{
    public static LoadOptions CpuFloat32 { get; } = new(CPU, ScalarType.Float32);
}
