using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Engine.Pipelines;

/// <summary>
/// A cheap picture of a latent for models whose VAE is far too large to run every few steps: every latent cell's channels
/// map linearly to RGB in [−1, 1], rgb = Wᵀ·z + b, with W [C, 3] and b [3] fitted per model against its decoder (the
/// published <c>latent_rgb_factors</c>, applied to the normalised latent the denoiser works in). The picture has the
/// latent's resolution (1/8 of the output for Wan2.1 and FLUX.1). A latent whose channel count does not match W (a small
/// test checkpoint) gets <see cref="Normalised"/> instead.
/// </summary>
public sealed class LatentRgbProjection
{
    private readonly float[] _weights;   // [C, 3], row-major
    private readonly float[] _bias;      // [3]

    /// <param name="factors">One row of (R, G, B) weights per latent channel.</param>
    /// <param name="bias">The (R, G, B) offset.</param>
    public LatentRgbProjection(double[][] factors, double[] bias)
    {
        ArgumentNullException.ThrowIfNull(factors);
        ArgumentNullException.ThrowIfNull(bias);
        if (factors.Length == 0 || factors.Any(r => r is null || r.Length != 3)) throw new ArgumentException("factors need one (R, G, B) row per latent channel", nameof(factors));
        if (bias.Length != 3) throw new ArgumentException("bias needs three values (R, G, B)", nameof(bias));
        Channels = factors.Length;
        _weights = factors.SelectMany(r => r).Select(v => (float)v).ToArray();
        _bias = bias.Select(v => (float)v).ToArray();
    }

    /// <summary>Latent channels the factors are for.</summary>
    public int Channels { get; }

    /// <summary>The picture [3, T, H, W] (fp32, CPU, in [−1, 1] up to the fit's error) of <paramref name="latent"/>
    /// [C, T, H, W] (any device and floating dtype; not modified).</summary>
    public Tensor Project(Tensor latent)
    {
        CheckLatent(latent);
        if (latent.shape[0] != Channels) return Normalised(latent);
        using var scope = NewDisposeScope();
        var z = latent.to(ScalarType.Float32, CPU);
        return Apply(z, _weights, _bias).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The fallback without fitted factors: each channel standardised over the latent (zero mean, unit deviation), channel c
    /// assigned to colour c mod 3 (R, G, B, R, ...; with fewer than 3 channels they repeat), each colour the mean of its
    /// channels times 0.5, so about 95% of values land in [−1, 1]. It shows where structure forms, not the true colours.
    /// </summary>
    public static Tensor Normalised(Tensor latent)
    {
        CheckLatent(latent);
        int c = (int)latent.shape[0];
        var weights = new float[c * 3];
        for (int k = 0; k < 3; k++)
        {
            var members = Enumerable.Range(0, c).Where(ch => ch % 3 == k).DefaultIfEmpty(k % c).ToArray();
            foreach (int ch in members) weights[ch * 3 + k] = 0.5f / members.Length;
        }
        using var scope = NewDisposeScope();
        var z = latent.to(ScalarType.Float32, CPU);
        var flat = z.reshape(c, -1);                                               // [C, T·H·W]
        var mean = flat.mean([1], keepdim: true);                                  // [C, 1]
        var std = flat.std(1, keepdim: true).clamp_min(1e-6);                      // [C, 1]
        var standard = flat.sub(mean).div(std).reshape(z.shape);                   // [C, T, H, W]
        return Apply(standard, weights, [0f, 0f, 0f]).MoveToOuterDisposeScope();
    }

    // rgb [3, T, H, W] = Wᵀ [3, C] · z [C, T·H·W] + b, for a CPU fp32 z [C, T, H, W]; tensors belong to the caller's scope.
    private static Tensor Apply(Tensor z, float[] weights, float[] bias)
    {
        long c = z.shape[0];
        var w = tensor(weights, [c, 3]);                                           // [C, 3]
        var b = tensor(bias, [3, 1]);                                              // [3, 1]
        var rgb = w.t().matmul(z.reshape(c, -1)).Plus(b);                           // [3, T·H·W]
        return rgb.reshape(3, z.shape[1], z.shape[2], z.shape[3]);                 // [3, T, H, W]
    }

    private static void CheckLatent(Tensor latent)
    {
        ArgumentNullException.ThrowIfNull(latent);
        if (latent.dim() != 4 || latent.shape[0] < 1)
            throw new ArgumentException($"expected a latent [C, T, H, W], got [{string.Join(", ", latent.shape)}]", nameof(latent));
    }
}
