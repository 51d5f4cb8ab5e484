namespace Jano.Training.Scenes;

/// <summary>Autoencoder reconstruction quality on a set of clips, on 8-bit frames (values mapped to bytes as
/// <c>round(clamp((x + 1) / 2, 0, 1)·255)</c>, PSNR with peak 255 as scikit-image computes it).</summary>
/// <param name="Clips">Clips measured.</param>
/// <param name="Psnr">PSNR of all frames together (from the mean squared error over every pixel and channel).</param>
/// <param name="MeanClipPsnr">Mean of the per-clip PSNRs.</param>
/// <param name="MinClipPsnr">Lowest per-clip PSNR.</param>
public sealed record ReconstructionQuality(int Clips, double Psnr, double MeanClipPsnr, double MinClipPsnr);
