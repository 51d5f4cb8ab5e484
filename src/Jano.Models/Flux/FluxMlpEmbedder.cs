using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Flux;

/// <summary>The official <c>MLPEmbedder</c>: out_layer(silu(in_layer(x))). Keys: <c>in_layer</c>, <c>out_layer</c>
/// (used as <c>time_in</c>, <c>vector_in</c>, <c>guidance_in</c>).</summary>
public sealed class FluxMlpEmbedder : nn.Module<Tensor, Tensor>
{
    private readonly Linear in_layer;
    private readonly Linear out_layer;

    /// <summary>Creates the embedder.</summary>
    public FluxMlpEmbedder(int inDim, int hiddenDim, Device? device, ScalarType? dtype) : base(nameof(FluxMlpEmbedder))
    {
        in_layer = nn.Linear(inDim, hiddenDim, hasBias: true, device: device, dtype: dtype);
        out_layer = nn.Linear(hiddenDim, hiddenDim, hasBias: true, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>x [B, in] → [B, hidden].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return out_layer.call(nn.functional.silu(in_layer.call(x))).MoveToOuterDisposeScope();
    }
}
