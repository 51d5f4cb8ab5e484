using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Wan.Vae;

/// <summary>The official <c>RMS_norm</c> (channel first, no bias): <c>F.normalize(x, dim=1) · √dim · gamma</c>, gamma of
/// shape [dim, 1, 1, 1] for videos or [dim, 1, 1] for images. Key: <c>gamma</c>.</summary>
internal sealed class WanVaeRmsNorm : nn.Module
{
    private readonly Parameter gamma;
    private readonly double _scale;

    public WanVaeRmsNorm(long dim, bool images, Device? device, ScalarType dtype) : base(nameof(WanVaeRmsNorm))
    {
        gamma = nn.Parameter(images ? torch.ones([dim, 1, 1], dtype: dtype, device: device) : torch.ones([dim, 1, 1, 1], dtype: dtype, device: device));
        _scale = Math.Sqrt(dim);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var norm = x.norm(1, keepdim: true).clamp_min(1e-12);
        return x.div(norm).mul(_scale).mul(gamma).MoveToOuterDisposeScope();
    }
}
