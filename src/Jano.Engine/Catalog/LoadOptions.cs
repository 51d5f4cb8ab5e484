using static TorchSharp.torch;

namespace Jano.Engine.Catalog;

/// <summary>Load-time settings: where the model runs and in which dtype (null: the model's default,
/// <see cref="Pipelines.ModelDefaults.DType"/>).</summary>
public sealed record LoadOptions(Device Device, ScalarType? DType = null)
{
    /// <summary>CPU in the model's default dtype.</summary>
    public static LoadOptions Cpu { get; } = new(CPU);

    /// <summary>CPU in float32.</summary>
    public static LoadOptions CpuFloat32 { get; } = new(CPU, ScalarType.Float32);
}
