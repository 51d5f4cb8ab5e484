using TorchSharp;

namespace Jano.Core.Weights;

/// <summary>Maps safetensors dtype names to TorchSharp scalar types and element sizes.</summary>
internal static class SafetensorsDType
{
    private static readonly (string Name, torch.ScalarType Type, int Size)[] Table =
    [
        ("F32", torch.ScalarType.Float32, 4),
        ("F16", torch.ScalarType.Float16, 2),
        ("BF16", torch.ScalarType.BFloat16, 2),
        ("F64", torch.ScalarType.Float64, 8),
        ("I64", torch.ScalarType.Int64, 8),
        ("I32", torch.ScalarType.Int32, 4),
        ("I16", torch.ScalarType.Int16, 2),
        ("I8", torch.ScalarType.Int8, 1),
        ("U8", torch.ScalarType.Byte, 1),
        ("BOOL", torch.ScalarType.Bool, 1),
    ];

    /// <summary>The supported dtype names, comma separated (for messages).</summary>
    public static string Supported => string.Join(", ", Table.Select(t => t.Name));

    public static bool TryGetSize(string name, out int size)
    {
        foreach (var t in Table)
            if (t.Name == name) { size = t.Size; return true; }
        size = 0;
        return false;
    }

    public static torch.ScalarType ToScalarType(string name)
    {
        foreach (var t in Table)
            if (t.Name == name) return t.Type;
        throw new ArgumentException($"unknown safetensors dtype '{name}'", nameof(name));
    }

    public static bool TryGetName(torch.ScalarType type, out string name, out int size)
    {
        foreach (var t in Table)
            if (t.Type == type) { name = t.Name; size = t.Size; return true; }
        name = "";
        size = 0;
        return false;
    }
}
