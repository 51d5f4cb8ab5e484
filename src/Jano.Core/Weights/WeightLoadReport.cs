namespace Jano.Core.Weights;

/// <summary>
/// What <see cref="WeightLoader.LoadInto"/> copied into a module.
/// </summary>
/// <param name="Tensors">The number of tensors copied.</param>
/// <param name="Bytes">The number of bytes read from the files (stored sizes, before any dtype conversion).</param>
/// <param name="Files">The safetensors files read, in the order they were read (shards resolved from an index).</param>
public sealed record WeightLoadReport(int Tensors, long Bytes, IReadOnlyList<string> Files);
