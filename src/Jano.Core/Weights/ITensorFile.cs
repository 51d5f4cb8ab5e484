using static TorchSharp.torch;

namespace Jano.Core.Weights;

/// <summary>
/// A weight file whose tensors are listed up front and read one at a time: <see cref="SafetensorsFile"/> or
/// <see cref="PthFile"/>.
/// </summary>
public interface ITensorFile : IDisposable
{
    /// <summary>The path the file was opened with.</summary>
    string Path { get; }

    /// <summary>The tensors, in file order. For a <see cref="PthFile"/>, <see cref="TensorEntry.Begin"/> and
    /// <see cref="TensorEntry.End"/> are the byte range of the tensor's elements within its storage record.</summary>
    IReadOnlyList<TensorEntry> Entries { get; }

    /// <summary>Whether the file holds a tensor named <paramref name="name"/>.</summary>
    bool Contains(string name);

    /// <summary>Reads the tensor <paramref name="name"/> into a new contiguous CPU tensor of its stored dtype.</summary>
    Tensor Read(string name);

    /// <summary>Reads the tensor <paramref name="name"/> into <paramref name="destination"/> (same shape), converting
    /// to the destination's dtype and device.</summary>
    void ReadInto(string name, Tensor destination);
}
