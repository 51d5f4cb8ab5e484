using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Models.Flux.Autoencoder;

/// <summary>
/// FLUX's VAE, the official <c>AutoEncoder</c> (black-forest-labs/flux 802fb47 <c>src/flux/modules/autoencoder.py</c>). Field
/// names are the official state_dict keys (<c>encoder.*</c>, <c>decoder.*</c>), so <c>ae.safetensors</c> loads strictly by name.
/// <see cref="Encode"/> returns the scaled posterior mean, scale_factor · (mean − shift_factor) (the official default
/// <c>sample_z=False</c>); <see cref="Decode"/> undoes the scaling, z / scale_factor + shift_factor, then decodes. Images are in
/// [−1, 1]. Computes in the dtype it was built with.
/// </summary>
public sealed class FluxAutoEncoder : nn.Module
{
    private readonly FluxVaeConfig _cfg;
    private readonly FluxVaeEncoder encoder;
    private readonly FluxVaeDecoder decoder;

    /// <summary>Builds the VAE on <paramref name="device"/> (CPU by default; META for shape checks) in <paramref name="dtype"/>.</summary>
    public FluxAutoEncoder(FluxVaeConfig cfg, Device? device = null, ScalarType dtype = ScalarType.Float32) : base(nameof(FluxAutoEncoder))
    {
        ArgumentNullException.ThrowIfNull(cfg);
        cfg.Validate();
        _cfg = cfg;
        Device = device ?? CPU;
        DType = dtype;
        encoder = new FluxVaeEncoder(cfg, Device, dtype);
        decoder = new FluxVaeDecoder(cfg, Device, dtype);
        RegisterComponents();
    }

    /// <summary>The VAE's sizes.</summary>
    public FluxVaeConfig Config => _cfg;

    /// <summary>Device of the parameters.</summary>
    public Device Device { get; }

    /// <summary>Dtype of the parameters and of the outputs.</summary>
    public ScalarType DType { get; }

    /// <summary>Image [B, C_in, H, W] in [−1, 1] (H, W multiples of the downsampling) → scaled latent [B, z, H/8, W/8].</summary>
    public Tensor Encode(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int f = _cfg.Downsampling;
        if (image.dim() != 4 || image.shape[1] != _cfg.InChannels || image.shape[2] % f != 0 || image.shape[3] % f != 0)
            throw new ArgumentException($"image must be [B, {_cfg.InChannels}, H, W] with H and W multiples of {f}, got [{string.Join(", ", image.shape)}]");
        using var scope = NewDisposeScope();
        var moments = encoder.call(image.to(DType, Device));                   // [B, 2z, h, w]
        var mean = moments.narrow(1, 0, _cfg.ZChannels);                         // DiagonalGaussian(sample=False): the mean half
        return mean.sub(_cfg.ShiftFactor).mul(_cfg.ScaleFactor).MoveToOuterDisposeScope();
    }

    /// <summary>Scaled latent [B, z, h, w] → image [B, C_out, h·8, w·8] (about [−1, 1]).</summary>
    public Tensor Decode(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (z.dim() != 4 || z.shape[1] != _cfg.ZChannels)
            throw new ArgumentException($"latent must be [B, {_cfg.ZChannels}, h, w], got [{string.Join(", ", z.shape)}]");
        using var scope = NewDisposeScope();
        var unscaled = z.to(DType, Device).div(_cfg.ScaleFactor).add(_cfg.ShiftFactor);
        return decoder.call(unscaled).MoveToOuterDisposeScope();
    }
}
