using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Models.Flux.Autoencoder;

/// <summary>The middle of the encoder or decoder (<c>mid</c>): <c>block_1</c>, <c>attn_1</c>, <c>block_2</c>.</summary>
public sealed class FluxVaeMid : nn.Module<Tensor, Tensor>
{
    private readonly FluxVaeResnetBlock block_1;
    private readonly FluxVaeAttnBlock attn_1;
    private readonly FluxVaeResnetBlock block_2;

    /// <summary>Creates the middle at width <paramref name="channels"/>.</summary>
    public FluxVaeMid(int channels, Device? device, ScalarType? dtype) : base("Mid")
    {
        block_1 = new FluxVaeResnetBlock(channels, channels, device, dtype);
        attn_1 = new FluxVaeAttnBlock(channels, device, dtype);
        block_2 = new FluxVaeResnetBlock(channels, channels, device, dtype);
        RegisterComponents();
    }

    /// <summary>x [B, C, H, W] → [B, C, H, W].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return block_2.call(attn_1.call(block_1.call(x))).MoveToOuterDisposeScope();
    }
}
