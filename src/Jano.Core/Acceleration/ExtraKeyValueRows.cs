using static TorchSharp.torch;

namespace Jano.Core.Acceleration;

/// <summary>
/// The model side of <see cref="ITransformerHooks.ExtraKeyValueInput"/>, shared by every model: appends the method's
/// extra input rows after the selected tokens and the RoPE rows of their positions after the selected tokens' rows.
/// </summary>
public static class ExtraKeyValueRows
{
    /// <summary>x [B, n, C], cos/sin [n, D/2] of the selected tokens, cosAll/sinAll [N, D/2] of every token →
    /// (K/V input [B, n + e, C], cos/sin [n + e, D/2]); the arguments themselves when <paramref name="extra"/> is null.</summary>
    public static (Tensor Input, Tensor Cos, Tensor Sin) Append(Tensor x, Tensor cos, Tensor sin, Tensor cosAll, Tensor sinAll,
        (Tensor Input, Tensor Positions)? extra)
    {
        if (extra is not { } more) return (x, cos, sin);
        var input = cat([x, more.Input.to(x.dtype, x.device)], 1);               // [B, n + e, C]
        var pos = more.Positions.to(cosAll.device);                               // [e]
        return (input, cat([cos, cosAll.index_select(0, pos)], 0), cat([sin, sinAll.index_select(0, pos)], 0)); // [n + e, D/2]
    }
}
