using static TorchSharp.torch;

namespace Jano.Models.Flux;

/// <summary>RoPE rows (fp32 cos/sin [rows, D/2]) one forward uses: the text tokens', the selected image tokens' (in
/// selection order), and every image token's (for extra K/V rows a method supplies at their original positions).
/// <see cref="JointCos"/>/<see cref="JointSin"/> are the rows of <c>[txt; selected img]</c> for the single-stream blocks.
/// Views into <see cref="FluxRopeTables"/> or gathered copies; the holder owns nothing.</summary>
public sealed record FluxPositions(Tensor TextCos, Tensor TextSin, Tensor ImageCos, Tensor ImageSin, Tensor AllImageCos, Tensor AllImageSin,
    Tensor JointCos, Tensor JointSin)
{
    /// <summary>Rotates the extra rows' keys k [B, e, H, D] at image token <paramref name="positions"/> [e] (int64).</summary>
    public Tensor RotateAt(Tensor k, Tensor positions)
    {
        using var scope = NewDisposeScope();
        var pos = positions.to(AllImageCos.device);
        return FluxMath.ApplyRope(k, AllImageCos.index_select(0, pos), AllImageSin.index_select(0, pos)).MoveToOuterDisposeScope();
    }
}
