namespace Jano.Core.Metrics;

/// <summary>
/// PSNR and SSIM of an output (image = one frame, or video) against its reference, as returned by <see cref="ImageQuality.Compare"/>.
/// </summary>
/// <remarks>
/// PSNR of a pair of identical frames is infinite. So that a video mean stays finite and comparable, an identical frame
/// counts as <see cref="ImageQuality.IdenticalFramePsnr"/> (60 dB) in <see cref="PsnrPerFrame"/> and in the mean; frames that differ keep
/// their exact PSNR, even above 60 dB. When every frame is identical, <see cref="Psnr"/> is null and <see cref="Identical"/> is true.
/// </remarks>
/// <param name="Psnr">Arithmetic mean of <see cref="PsnrPerFrame"/> in dB; null when every frame is identical.</param>
/// <param name="Ssim">Arithmetic mean of <see cref="SsimPerFrame"/>.</param>
/// <param name="Identical">True when every frame pair is byte-identical.</param>
/// <param name="PsnrPerFrame">PSNR of each frame (dB, data range 255), 60 for an identical frame.</param>
/// <param name="SsimPerFrame">SSIM of each frame (1 for an identical frame).</param>
public sealed record QualityResult(double? Psnr, double Ssim, bool Identical, double[] PsnrPerFrame, double[] SsimPerFrame);
