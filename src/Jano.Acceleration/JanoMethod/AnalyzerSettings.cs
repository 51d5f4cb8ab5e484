using System.Globalization;
using Jano.Core;

namespace Jano.Acceleration.JanoMethod;

/// <summary>
/// Settings of the Jano complexity analyzer (reference spec §1.2–1.6).
/// </summary>
/// <param name="BlockSize">Analysis block size <c>(bt, bh, bw)</c> on the latent grid; all positive, and
/// <c>bt</c> must be 1 for single-frame latents.</param>
/// <param name="TWeight">Weight <c>w_t</c> of the temporal dynamics in <c>w_t·T + (1 − w_t)·S</c>, in [0, 1].</param>
/// <param name="DStrength">Strength of the inward enhancement (non-negative).</param>
/// <param name="DDistance">Largest contour distance (in blocks) an interior block may have to be enhanced (positive).</param>
/// <param name="Enhance">Whether the inward enhancement runs at all.</param>
/// <param name="StaticThresh">Scores at or below this are level 1 (static).</param>
/// <param name="MediumThresh">Scores above <paramref name="StaticThresh"/> and at or below this are level 2
/// (medium); above it, level 3 (active).</param>
public sealed record AnalyzerSettings(
    (int T, int H, int W) BlockSize,
    double TWeight = 0.7, double DStrength = 0.8, double DDistance = 1.0, bool Enhance = true,
    double StaticThresh = 0.2, double MediumThresh = 0.6)
{
    /// <summary>Throws <see cref="UsageException"/> describing the first invalid setting.</summary>
    public void Validate()
    {
        if (BlockSize.T <= 0 || BlockSize.H <= 0 || BlockSize.W <= 0)
            throw new UsageException(
                $"block size must be positive in every dimension, got ({BlockSize.T}, {BlockSize.H}, {BlockSize.W})");
        if (!(TWeight >= 0.0 && TWeight <= 1.0))
            throw new UsageException($"t_weight must be in [0, 1], got {Fmt(TWeight)}");
        if (!(DStrength >= 0.0) || double.IsInfinity(DStrength))
            throw new UsageException($"d_strength must be a finite non-negative number, got {Fmt(DStrength)}");
        if (!(DDistance > 0.0) || double.IsInfinity(DDistance))
            throw new UsageException($"d_distance must be a finite positive number, got {Fmt(DDistance)}");
        if (double.IsNaN(StaticThresh))
            throw new UsageException("static_thresh must be a number, got NaN");
        if (double.IsNaN(MediumThresh))
            throw new UsageException("medium_thresh must be a number, got NaN");
        if (StaticThresh > MediumThresh)
            throw new UsageException(
                $"static_thresh ({Fmt(StaticThresh)}) must not exceed medium_thresh ({Fmt(MediumThresh)})");
    }

    private static string Fmt(double v) => v.ToString(CultureInfo.InvariantCulture);
}
