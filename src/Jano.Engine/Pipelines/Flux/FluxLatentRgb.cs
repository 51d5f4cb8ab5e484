namespace Jano.Engine.Pipelines.Flux;

/// <summary>
/// FLUX.1's latent → RGB preview factors: one (R, G, B) row per channel of the 16-channel latent in the denoiser's space
/// ((z − 0.1159) · 0.3611, the VAE's shift and scale already applied), output in [−1, 1]. The numbers are ComfyUI's
/// published <c>latent_rgb_factors</c> and <c>latent_rgb_factors_bias</c> for Flux (<c>comfy/latent_formats.py</c>, class
/// <c>Flux</c>).
/// </summary>
internal static class FluxLatentRgb
{
    public static LatentRgbProjection Projection { get; } = new(
    [
        [-0.0346, 0.0244, 0.0681],
        [0.0034, 0.0210, 0.0687],
        [0.0275, -0.0668, -0.0433],
        [-0.0174, 0.0160, 0.0617],
        [0.0859, 0.0721, 0.0329],
        [0.0004, 0.0383, 0.0115],
        [0.0405, 0.0861, 0.0915],
        [-0.0236, -0.0185, -0.0259],
        [-0.0245, 0.0250, 0.1180],
        [0.1008, 0.0755, -0.0421],
        [-0.0515, 0.0201, 0.0011],
        [0.0428, -0.0012, -0.0036],
        [0.0817, 0.0765, 0.0749],
        [-0.1264, -0.0522, -0.1103],
        [-0.0280, -0.0881, -0.0499],
        [-0.1262, -0.0982, -0.0778],
    ],
    [-0.0329, -0.0718, -0.0851]);
}
