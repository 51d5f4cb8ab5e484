using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Flux;

/// <summary>The official <c>LastLayer</c> (patch size 1 on packed tokens): shift, scale = adaLN_modulation(vec).chunk(2);
/// linear((1 + scale)·norm_final(x) + shift). Keys: <c>final_layer.{linear, adaLN_modulation.1}</c>.</summary>
public sealed class FluxLastLayer : nn.Module
{
    private readonly LayerNorm norm_final;
    private readonly Linear linear;
    private readonly Sequential adaLN_modulation;

    /// <summary>Creates the layer.</summary>
    public FluxLastLayer(int hidden, int outChannels, Device? device, ScalarType? dtype) : base(nameof(FluxLastLayer))
    {
        norm_final = nn.LayerNorm(hidden, eps: 1e-6, elementwise_affine: false, device: device, dtype: dtype);
        linear = nn.Linear(hidden, outChannels, hasBias: true, device: device, dtype: dtype);
        adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(hidden, 2L * hidden, hasBias: true, device: device, dtype: dtype));
        RegisterComponents();
    }

    /// <summary>x [B, n, C] image tokens, vec [B, C] → [B, n, out_channels].</summary>
    public Tensor Forward(Tensor x, Tensor vec)
    {
        using var scope = NewDisposeScope();
        var mod = adaLN_modulation.call(vec).chunk(2, 1);                       // shift, scale [B, C]
        var modulated = FluxModulation.Modulate(norm_final.call(x), mod[0].unsqueeze(1), mod[1].unsqueeze(1)); // [B, n, C]
        return linear.call(modulated).MoveToOuterDisposeScope();
    }
}
