using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Tests.Flux;

/// <summary>
/// Deterministic fixture weights from a tensor's name, the generator of scripts/fixtures/flux_common.py
/// (<c>fixture_value</c>): u = 2·(splitmix64(fnv1a64(name) + j·0x9E3779B97F4A7C15) >> 11)·2⁻⁵³ − 1 for element j;
/// ndim ≥ 2: u·√(3/fan_in); 1-D names ending in "bias": 0.1·u; other 1-D (norm scales): 1 + 0.1·u; float64, then float32.
/// The FLUX fixtures store inputs and outputs only; both sides fill the weights with this.
/// </summary>
internal static class FluxFixtureWeights
{
    public static float[] Values(string name, long[] shape)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        ulong h = Fnv1a64(name);
        var result = new float[n];
        double amp = shape.Length >= 2 ? Math.Sqrt(3.0 / shape.Skip(1).Aggregate(1L, (a, b) => a * b)) : 0;
        for (long j = 0; j < n; j++)
        {
            ulong z = unchecked(h + (ulong)j * 0x9E3779B97F4A7C15UL);
            z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
            z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
            z ^= z >> 31;
            double u = 2.0 * ((z >> 11) * (1.0 / 9007199254740992.0)) - 1.0;
            double v = shape.Length >= 2 ? u * amp : name.EndsWith("bias", StringComparison.Ordinal) ? 0.1 * u : 1.0 + 0.1 * u;
            result[j] = (float)v;
        }
        return result;
    }

    /// <summary>A new CPU float32 tensor of the given name and shape.</summary>
    public static Tensor Tensor(string name, long[] shape) => torch.tensor(Values(name, shape), shape);

    /// <summary>Fills every floating-point entry of <paramref name="module"/>'s state_dict (names optionally mapped).</summary>
    public static void Fill(nn.Module module, Func<string, string>? nameOf = null)
    {
        using var _ = torch.no_grad();
        foreach (var (key, t) in module.state_dict())
        {
            if (!t.is_floating_point()) continue;
            using var v = Tensor(nameOf is null ? key : nameOf(key), t.shape);
            t.copy_(v);
        }
    }

    /// <summary>Every floating-point state_dict entry as generated values (for writing weight files).</summary>
    public static Dictionary<string, Tensor> StateDict(nn.Module module) =>
        module.state_dict().Where(kv => kv.Value.is_floating_point())
            .ToDictionary(kv => kv.Key, kv => Tensor(kv.Key, kv.Value.shape), StringComparer.Ordinal);

    private static ulong Fnv1a64(string name)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (byte b in Encoding.UTF8.GetBytes(name))
        {
            h ^= b;
            h = unchecked(h * 0x100000001B3UL);
        }
        return h;
    }
}
