using static TorchSharp.torch;

namespace Jano.Core.Acceleration;

/// <summary>
/// The model side of <see cref="ITransformerHooks.ExtraKeyValueInput"/>, shared by every model: appends the method's
/// extra input rows after the selected tokens and the position-table rows (e.g. RoPE rotations) of their positions
/// after the selected tokens' rows.
/// </summary>
public static class ExtraKeyValueRows
{
    /// <summary>x [B, n, C], a per-token position table [n, ...] of the selected tokens and the same table [N, ...] of every
    /// token → (K/V input [B, n + e, C], table [n + e, ...]); the arguments themselves when <paramref name="extra"/> is null.</summary>
    public static (Tensor Input, Tensor Rows) Append(Tensor x, Tensor rows, Tensor rowsAll, (Tensor Input, Tensor Positions)? extra)
    {
        if (extra is not { } more) return (x, rows);
        var input = cat([x, more.Input.to(x.dtype, x.device)], 1);               // [B, n + e, C]
        var pos = more.Positions.to(rowsAll.device);                              // [e]
        return (input, cat([rows, rowsAll.index_select(0, pos)], 0));            // [n + e, ...]
    }
}
