namespace Jano.Models.Wan.Vae;

/// <summary>
/// Sizes of the Wan2.1 video VAE (the arguments of the official <c>WanVAE_.__init__</c>, as <c>_video_vae</c> sets them)
/// and the per-channel latent statistics of <c>WanVAE</c>. Compression is 4x8x8 (time x height x width): a video of
/// 1 + 4k frames maps to 1 + k latent frames.
/// </summary>
public sealed record WanVaeConfig
{
    /// <summary>The released Wan2.1 VAE (<c>Wan2.1_VAE.pth</c>): dim 96, z_dim 16.</summary>
    public static WanVaeConfig Wan21 { get; } = new();

    /// <summary>Base channel count (<c>dim</c>).</summary>
    public int Dim { get; init; } = 96;

    /// <summary>Latent channels (<c>z_dim</c>); the encoder produces twice as many (mean and log-variance).</summary>
    public int ZDim { get; init; } = 16;

    /// <summary>Channel multipliers per resolution (<c>dim_mult</c>).</summary>
    public int[] DimMult { get; init; } = [1, 2, 4, 4];

    /// <summary>Residual blocks per encoder stage (the decoder uses one more).</summary>
    public int NumResBlocks { get; init; } = 2;

    /// <summary>Which encoder down-sampling stages also halve time (<c>temperal_downsample</c>); the decoder mirrors it.</summary>
    public bool[] TemporalDownsample { get; init; } = [false, true, true];

    /// <summary>Per-channel latent mean of <c>WanVAE</c> (length <see cref="ZDim"/>).</summary>
    public float[] LatentMean { get; init; } =
    [
        -0.7571f, -0.7089f, -0.9113f, 0.1075f, -0.1745f, 0.9653f, -0.1517f, 1.5508f,
        0.4134f, -0.0715f, 0.5517f, -0.3632f, -0.1922f, -0.9497f, 0.2503f, -0.2921f,
    ];

    /// <summary>Per-channel latent standard deviation of <c>WanVAE</c> (length <see cref="ZDim"/>).</summary>
    public float[] LatentStd { get; init; } =
    [
        2.8184f, 1.4541f, 2.3275f, 2.6558f, 1.2196f, 1.7708f, 2.6052f, 2.0743f,
        3.2687f, 2.1526f, 2.8652f, 1.5579f, 1.6382f, 1.1253f, 2.8251f, 1.9160f,
    ];
}
