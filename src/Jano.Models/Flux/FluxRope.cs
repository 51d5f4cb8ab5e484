using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Models.Flux;

/// <summary>
/// FLUX's 3-axis rotary embedding (<c>EmbedND</c>) over <c>[txt_ids; img_ids]</c>: text ids all zero, image token (i, j) at
/// (0, i, j), as the official <c>prepare()</c>. Angles are computed in float64 (as diffusers' <c>FluxPosEmbed</c> and the
/// first official commit do; flux 802fb47 computes them in the ids' dtype, float32, which differs by at most a few 1e-6 rad
/// at 2048 px), then cos/sin are stored in fp32, the precision <c>rope()</c> returns and <c>apply_rope</c> works in.
/// Tables are kept per (text length, grid, device), never as module buffers, and disposed by this holder.
/// </summary>
public sealed class FluxRope : IDisposable
{
    private readonly int[] _axesDim;
    private readonly double _theta;
    private readonly Dictionary<string, FluxRopeTables> _tables = new(StringComparer.Ordinal);

    /// <summary>Creates the holder for the given axis widths (Σ = head dim) and base θ.</summary>
    public FluxRope(IReadOnlyList<int> axesDim, double theta)
    {
        ArgumentNullException.ThrowIfNull(axesDim);
        _axesDim = axesDim.ToArray();
        _theta = theta;
    }

    /// <summary>Tables for <paramref name="textLen"/> text tokens and an h × w image token grid on <paramref name="device"/>.</summary>
    public FluxRopeTables Table(int textLen, int h, int w, Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var key = string.Create(CultureInfo.InvariantCulture, $"{textLen}|{h}x{w}@{device}");
        if (_tables.TryGetValue(key, out var cached)) return cached;
        var (tc, ts) = Build(new double[textLen, 3], textLen, device);
        var (ic, @is) = Build(FluxMath.ImageIds(h, w), h * w, device);
        var table = new FluxRopeTables(tc, ts, ic, @is);
        _tables[key] = table;
        return table;
    }

    private (Tensor Cos, Tensor Sin) Build(double[,] ids, int n, Device device)
    {
        var angles = FluxMath.RopeAngles(ids, _axesDim, _theta);
        int half = _axesDim.Sum() / 2;
        var cos = new float[angles.Length];
        var sin = new float[angles.Length];
        for (int i = 0; i < angles.Length; i++)
        {
            cos[i] = (float)Math.Cos(angles[i]);
            sin[i] = (float)Math.Sin(angles[i]);
        }
        using var cpuCos = torch.tensor(cos, [n, half]);
        using var cpuSin = torch.tensor(sin, [n, half]);
        var c = cpuCos.to(device);
        var s = cpuSin.to(device);
        c.DetachFromDisposeScope();
        s.DetachFromDisposeScope();
        return (c, s);
    }

    /// <summary>Disposes the cached tables.</summary>
    public void Dispose()
    {
        foreach (var t in _tables.Values) t.Dispose();
        _tables.Clear();
    }
}
