using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Flux.Autoencoder;

/// <summary>One resolution level of the encoder (<c>down.N</c>: <c>block</c>, <c>downsample</c>) or decoder (<c>up.N</c>:
/// <c>block</c>, <c>upsample</c>). The official empty <c>attn</c> lists have no parameters and are omitted.</summary>
public sealed class FluxVaeLevel : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<FluxVaeResnetBlock> block;
    private readonly FluxVaeSampling? downsample;
    private readonly FluxVaeSampling? upsample;

    /// <summary>Creates a level of <paramref name="blocks"/> resnet blocks (the first from <paramref name="inChannels"/>),
    /// followed by a down- or upsampling layer when <paramref name="resample"/>.</summary>
    public FluxVaeLevel(int inChannels, int outChannels, int blocks, bool decoder, bool resample, Device? device, ScalarType? dtype)
        : base(decoder ? "UpLevel" : "DownLevel")
    {
        block = nn.ModuleList(Enumerable.Range(0, blocks)
            .Select(i => new FluxVaeResnetBlock(i == 0 ? inChannels : outChannels, outChannels, device, dtype)).ToArray());
        if (resample && decoder) upsample = new FluxVaeSampling(outChannels, down: false, device, dtype);
        if (resample && !decoder) downsample = new FluxVaeSampling(outChannels, down: true, device, dtype);
        RegisterComponents();
    }

    /// <summary>The blocks then the resampling layer, if any.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x;
        foreach (var b in block) h = b.call(h);
        if (downsample is not null) h = downsample.call(h);
        if (upsample is not null) h = upsample.call(h);
        return h.MoveToOuterDisposeScope();
    }
}
