using TorchSharp;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.Flux;

/// <summary>
/// Weight-free FLUX math (black-forest-labs/flux 802fb47: <c>modules/layers.py</c> <c>timestep_embedding</c>, <c>math.py</c>
/// <c>apply_rope</c> and <c>attention</c>, <c>sampling.py</c> <c>prepare</c>/<c>unpack</c> packing): written out in TorchSharp
/// with the official op order and dtypes.
/// </summary>
public static class FluxMath
{
    /// <summary>Width of the sinusoidal embedding of timesteps and guidance (hard-coded 256 in the official model).</summary>
    public const int TimestepDim = 256;

    /// <summary>The official <c>time_factor</c>: timesteps and guidance are multiplied by 1000 before embedding.</summary>
    public const double TimeFactor = 1000.0;

    private static readonly double NegLogMaxPeriod = -Math.Log(10000.0);
    private static readonly long[] PackOrder = [0, 2, 4, 1, 3, 5];   // [B, C, h, ph, w, pw] → [B, h, w, C, ph, pw]
    private static readonly long[] UnpackOrder = [0, 3, 1, 4, 2, 5]; // [B, h, w, C, ph, pw] → [B, C, h, ph, w, pw]

    /// <summary>
    /// <c>timestep_embedding</c> after its <c>t = time_factor · t</c> step: <paramref name="scaled"/> [B] holds t·1000 (in the
    /// dtype the caller computed it in). freqs = exp(−ln(10000) · arange(half) / half) with the exponent in fp32 as the
    /// official code and exp rounded correctly from float64 (torch's fp32 exp differs between builds by an ulp, and at
    /// t·1000 = 5000 one ulp moves an angle by 3e-4 rad); args = t.float() · freqs in fp32; returns [B, dim] =
    /// [cos(args), sin(args)] (cos first), cast to <paramref name="scaled"/>'s dtype when floating.
    /// </summary>
    public static Tensor TimestepEmbedding(Tensor scaled, int dim = TimestepDim)
    {
        ArgumentNullException.ThrowIfNull(scaled);
        if (scaled.dim() != 1) throw new ArgumentException($"timesteps must be [B], got [{string.Join(", ", scaled.shape)}]");
        using var scope = NewDisposeScope();
        int half = dim / 2;
        using var cpuFreqs = torch.tensor(Frequencies(half), [half]);
        var freqs = cpuFreqs.to(scaled.device);                                                                            // [half]
        var args = scaled.to(ScalarType.Float32).unsqueeze(1).mul(freqs.unsqueeze(0));                                   // [B, half]
        var embedding = torch.cat([args.cos(), args.sin()], -1);                                                           // [B, 2·half]
        if (dim % 2 == 1) embedding = torch.cat([embedding, torch.zeros_like(embedding.narrow(1, 0, 1))], -1);           // [B, dim]
        if (scaled.is_floating_point()) embedding = embedding.to(scaled.dtype);
        return embedding.MoveToOuterDisposeScope();
    }

    /// <summary>The fp32 frequencies of <see cref="TimestepEmbedding"/>: exp(fl32(fl32(−ln 10000) · i) / half), exp correctly
    /// rounded.</summary>
    public static float[] Frequencies(int half)
    {
        var freqs = new float[half];
        float c = (float)NegLogMaxPeriod;
        for (int i = 0; i < half; i++)
        {
            float exponent = c * i / half;      // fp32 products as torch's: (−ln(10000) · arange) / half
            freqs[i] = (float)Math.Exp(exponent);
        }
        return freqs;
    }

    /// <summary><c>rearrange(img, "b c (h ph) (w pw) -> b (h w) (c ph pw)", ph=2, pw=2)</c>: [B, C, H, W] → [B, (H/2)(W/2), 4C].</summary>
    public static Tensor Pack(Tensor latent)
    {
        ArgumentNullException.ThrowIfNull(latent);
        if (latent.dim() != 4 || latent.shape[2] % 2 != 0 || latent.shape[3] % 2 != 0)
            throw new ArgumentException($"a FLUX latent must be [B, C, H, W] with even H and W, got [{string.Join(", ", latent.shape)}]");
        long b = latent.shape[0], c = latent.shape[1], h = latent.shape[2] / 2, w = latent.shape[3] / 2;
        using var v = latent.view(b, c, h, 2, w, 2);                 // [B, C, h, ph, w, pw]
        using var p = v.permute(PackOrder);                   // [B, h, w, C, ph, pw]
        return p.reshape(b, h * w, c * 4);                           // [B, h·w, C·4]
    }

    /// <summary><c>rearrange(x, "b (h w) (c ph pw) -> b c (h ph) (w pw)")</c>: [B, h·w, 4C] → [B, C, 2h, 2w].</summary>
    public static Tensor Unpack(Tensor packed, int h, int w)
    {
        ArgumentNullException.ThrowIfNull(packed);
        if (packed.dim() != 3 || packed.shape[1] != (long)h * w || packed.shape[2] % 4 != 0)
            throw new ArgumentException($"packed FLUX tokens must be [B, {h}·{w}, 4C], got [{string.Join(", ", packed.shape)}]");
        long b = packed.shape[0], c = packed.shape[2] / 4;
        using var v = packed.view(b, h, w, c, 2, 2);                 // [B, h, w, C, ph, pw]
        using var p = v.permute(UnpackOrder);                   // [B, C, h, ph, w, pw]
        return p.reshape(b, c, h * 2L, w * 2L);                      // [B, C, H, W]
    }

    /// <summary>The official <c>img_ids</c> of an h × w token grid, row-major: token (i, j) has ids (0, i, j). Returns [h·w, 3].</summary>
    public static double[,] ImageIds(int h, int w)
    {
        var ids = new double[h * w, 3];
        for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
        {
            ids[i * w + j, 1] = i;
            ids[i * w + j, 2] = j;
        }
        return ids;
    }

    /// <summary>
    /// RoPE angles for position ids [N, axes] (<c>EmbedND</c> + <c>rope</c>): on axis a with width d_a, pair j turns by
    /// pos_a · θ^(−2j/d_a); axes are concatenated, so the result is [N, Σd_a/2] row-major, in float64.
    /// </summary>
    public static double[] RopeAngles(double[,] ids, IReadOnlyList<int> axesDim, double theta)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(axesDim);
        int n = ids.GetLength(0), axes = ids.GetLength(1);
        if (axes != axesDim.Count) throw new ArgumentException($"ids have {axes} axes but axes_dim has {axesDim.Count}");
        int half = axesDim.Sum() / 2;
        var omegas = new double[half];
        var axisOf = new int[half];
        int o = 0;
        for (int a = 0; a < axes; a++)
        for (int j = 0; j < axesDim[a] / 2; j++, o++)
        {
            omegas[o] = 1.0 / Math.Pow(theta, 2.0 * j / axesDim[a]);
            axisOf[o] = a;
        }
        var angles = new double[n * half];
        for (int r = 0; r < n; r++)
        for (int k = 0; k < half; k++)
            angles[r * half + k] = ids[r, axisOf[k]] * omegas[k];
        return angles;
    }

    /// <summary>
    /// <c>apply_rope</c> for one tensor: x [B, n, H, D] is rotated in fp32 by per-token cos/sin [n, D/2] (fp32), adjacent
    /// pairs (2j, 2j+1): (cos·x₀ − sin·x₁, sin·x₀ + cos·x₁); returns x's dtype.
    /// </summary>
    public static Tensor ApplyRope(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var shape = x.shape;
        var pairs = x.to(ScalarType.Float32).view(shape[0], shape[1], shape[2], shape[3] / 2, 2);   // [B, n, H, D/2, 2]
        var x0 = pairs.select(-1, 0);
        var x1 = pairs.select(-1, 1);
        var c = cos.unsqueeze(1);                                                                    // [n, 1, D/2]
        var s = sin.unsqueeze(1);
        var r0 = c.mul(x0).sub(s.mul(x1));
        var r1 = s.mul(x0).Plus(c.mul(x1));
        return torch.stack([r0, r1], -1).view(shape).to(x.dtype).MoveToOuterDisposeScope();         // [B, n, H, D]
    }

    /// <summary>Softmax attention (scale 1/√D) of q [B, Lq, H, D] over k, v [B, Lk, H, D] → [B, Lq, H·D]
    /// (<c>scaled_dot_product_attention</c> then <c>"B H L D -> B L (H D)"</c>).</summary>
    public static Tensor Attention(Tensor q, Tensor k, Tensor v)
    {
        using var scope = NewDisposeScope();
        long b = q.shape[0], l = q.shape[1];
        var o = nn.functional.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)); // [B, H, Lq, D]
        return o.transpose(1, 2).reshape(b, l, -1).MoveToOuterDisposeScope();                                     // [B, Lq, H·D]
    }
}
