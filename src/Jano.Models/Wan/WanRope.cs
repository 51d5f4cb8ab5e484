using TorchSharp;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.Wan;

/// <summary>
/// Wan2.1's 3-axis rotary position embedding (<c>rope_params</c> + <c>rope_apply</c>). The head dim's c = D/2 complex pairs
/// are split c − 2⌊c/3⌋ (frames), ⌊c/3⌋ (rows), ⌊c/3⌋ (columns); on an axis with d_a = 2·pairs, pair j of a token at
/// position p turns by p · θ^(−2j/d_a). Angles are computed in float64; the tables and the rotation use the holder's
/// <see cref="Precision"/>: float64 for Wan, as in the official code, float32 for the shipped DiTs, as they were trained.
/// The result is cast back to the input's dtype. Tables are kept per (grid, device), never as module buffers, and disposed
/// by this holder.
/// </summary>
public sealed class WanRope : IDisposable
{
    private readonly int _headDim;
    private readonly double _theta;
    private readonly Dictionary<string, (Tensor Cos, Tensor Sin)> _tables = new();
    private readonly Dictionary<string, Tensor> _rotations = new();

    /// <summary>Creates the holder for heads of width <paramref name="headDim"/>; <paramref name="precision"/> is
    /// <see cref="ScalarType.Float64"/> (Wan) or <see cref="ScalarType.Float32"/> (the DiT).</summary>
    public WanRope(int headDim, double theta, ScalarType precision = ScalarType.Float64)
    {
        if (precision is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"RoPE precision must be float32 or float64, got {precision}");
        _headDim = headDim;
        _theta = theta;
        Precision = precision;
    }

    /// <summary>Dtype of the tables and of the rotation.</summary>
    public ScalarType Precision { get; }

    /// <summary>Cos and sin tables [N, D/2] in <see cref="Precision"/> for tokens in patch-embedding order (f, h, w row-major).</summary>
    public (Tensor Cos, Tensor Sin) Table((int T, int H, int W) grid, Device device)
    {
        var key = $"{grid.T}x{grid.H}x{grid.W}@{device}";
        if (_tables.TryGetValue(key, out var cached)) return cached;
        var angles = Angles(grid, _headDim, _theta); // [N·D/2]
        int n = grid.T * grid.H * grid.W, half = _headDim / 2;
        using var cpuCos = Precision == ScalarType.Float64
            ? torch.tensor(angles.Select(Math.Cos).ToArray(), [n, half])
            : torch.tensor(angles.Select(a => (float)Math.Cos(a)).ToArray(), [n, half]);
        using var cpuSin = Precision == ScalarType.Float64
            ? torch.tensor(angles.Select(Math.Sin).ToArray(), [n, half])
            : torch.tensor(angles.Select(a => (float)Math.Sin(a)).ToArray(), [n, half]);
        var table = (cpuCos.to(device), cpuSin.to(device));
        table.Item1.DetachFromDisposeScope();
        table.Item2.DetachFromDisposeScope();
        _tables[key] = table;
        return table;
    }

    /// <summary>The same rotations as unit complex numbers cos + i·sin [N, D/2] (complex128 for float64 precision, complex64
    /// for float32), for <see cref="Rotate"/>.</summary>
    public Tensor Rotations((int T, int H, int W) grid, Device device)
    {
        var key = $"{grid.T}x{grid.H}x{grid.W}@{device}";
        if (_rotations.TryGetValue(key, out var cached)) return cached;
        var (cos, sin) = Table(grid, device);
        var rotations = torch.complex(cos, sin);
        rotations.DetachFromDisposeScope();
        _rotations[key] = rotations;
        return rotations;
    }

    /// <summary>Rotation angles [N·D/2] (row-major [N, D/2]) in float64.</summary>
    public static double[] Angles((int T, int H, int W) grid, int headDim, double theta)
    {
        int c = headDim / 2;
        int ch = c / 3, cf = c - 2 * ch;
        var ff = AxisFrequencies(cf, theta);
        var fh = AxisFrequencies(ch, theta);
        var result = new double[grid.T * grid.H * grid.W * c];
        int row = 0;
        for (int f = 0; f < grid.T; f++)
        for (int h = 0; h < grid.H; h++)
        for (int w = 0; w < grid.W; w++, row++)
        {
            int o = row * c;
            for (int j = 0; j < cf; j++) result[o + j] = f * ff[j];
            for (int j = 0; j < ch; j++) result[o + cf + j] = h * fh[j];
            for (int j = 0; j < ch; j++) result[o + cf + ch + j] = w * fh[j];
        }
        return result;
    }

    // rope_params(…, dim = 2·pairs): 1 / θ^(arange(0, dim, 2) / dim), float64.
    private static double[] AxisFrequencies(int pairs, double theta)
    {
        var f = new double[pairs];
        for (int j = 0; j < pairs; j++) f[j] = 1.0 / Math.Pow(theta, 2.0 * j / (2 * pairs));
        return f;
    }

    /// <summary>Rotates x [B, n, H, D] by per-token tables cos, sin [n, D/2] (pairs (2j, 2j+1) as complex numbers),
    /// in the tables' dtype; returns x's dtype.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var shape = x.shape;
        var pairs = x.to(cos.dtype).view(shape[0], shape[1], shape[2], shape[3] / 2, 2); // [B, n, H, D/2, 2]
        var x0 = pairs.select(-1, 0);
        var x1 = pairs.select(-1, 1);
        var c = cos.unsqueeze(1); // [n, 1, D/2]
        var s = sin.unsqueeze(1);
        var r0 = x0.mul(c).sub(x1.mul(s));
        var r1 = x0.mul(s).Plus(x1.mul(c));
        return torch.stack([r0, r1], -1).view(shape).to(x.dtype).MoveToOuterDisposeScope(); // [B, n, H, D]
    }

    /// <summary>Rotates x [B, n, H, D] by per-token unit complex numbers <paramref name="rotations"/> [n, D/2] (from
    /// <see cref="Rotations"/>): pairs (2j, 2j+1) multiplied as complex numbers, as the official <c>rope_apply</c> does, in the
    /// rotations' precision; returns x's dtype. The same result as <see cref="Apply"/> in fewer tensor operations.</summary>
    public static Tensor Rotate(Tensor x, Tensor rotations)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(rotations);
        using var scope = NewDisposeScope();
        var shape = x.shape;
        var real = rotations.dtype == ScalarType.ComplexFloat64 ? ScalarType.Float64 : ScalarType.Float32;
        var pairs = torch.view_as_complex(x.As(real).reshape(shape[0], shape[1], shape[2], shape[3] / 2, 2)); // [B, n, H, D/2]
        var turned = torch.view_as_real(pairs.mul(rotations.unsqueeze(1)));                                   // [B, n, H, D/2, 2]
        return turned.reshape(shape).As(x.dtype).MoveToOuterDisposeScope();                                  // [B, n, H, D]
    }

    /// <summary>Disposes the cached tables.</summary>
    public void Dispose()
    {
        foreach (var r in _rotations.Values) r.Dispose();
        _rotations.Clear();
        foreach (var (cos, sin) in _tables.Values)
        {
            cos.Dispose();
            sin.Dispose();
        }
        _tables.Clear();
    }
}
