using static TorchSharp.torch;

namespace Jano.Models.Flux;

/// <summary>fp32 RoPE cos/sin tables [tokens, head_dim/2] for the text tokens and for every image token (patch order).
/// Owned by <see cref="FluxRope"/>.</summary>
public sealed class FluxRopeTables : IDisposable
{
    internal FluxRopeTables(Tensor textCos, Tensor textSin, Tensor imageCos, Tensor imageSin)
    {
        TextCos = textCos;
        TextSin = textSin;
        ImageCos = imageCos;
        ImageSin = imageSin;
    }

    /// <summary>[L, D/2].</summary>
    public Tensor TextCos { get; }

    /// <summary>[L, D/2].</summary>
    public Tensor TextSin { get; }

    /// <summary>[N, D/2] for all N image tokens.</summary>
    public Tensor ImageCos { get; }

    /// <summary>[N, D/2] for all N image tokens.</summary>
    public Tensor ImageSin { get; }

    /// <summary>Disposes the four tables.</summary>
    public void Dispose()
    {
        TextCos.Dispose();
        TextSin.Dispose();
        ImageCos.Dispose();
        ImageSin.Dispose();
    }
}
