namespace Jano.Core.Weights;

/// <summary>
/// One tensor described by a safetensors header.
/// </summary>
/// <param name="Name">The tensor's key in the file.</param>
/// <param name="DType">The stored element type, one of "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL".</param>
/// <param name="Shape">The tensor's shape; empty for a 0-d (scalar) tensor.</param>
/// <param name="Begin">First byte of the tensor's data, relative to the start of the data section.</param>
/// <param name="End">One past the last byte of the tensor's data, relative to the start of the data section.</param>
public sealed record TensorEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    /// <summary>The number of bytes of the tensor's data (<see cref="End"/> - <see cref="Begin"/>).</summary>
    public long ByteLength => End - Begin;

    /// <summary>The number of elements (product of <see cref="Shape"/>; 1 for a 0-d tensor).</summary>
    public long NumberOfElements
    {
        get
        {
            long n = 1;
            foreach (var d in Shape) n = checked(n * d);
            return n;
        }
    }
}
