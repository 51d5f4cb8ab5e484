using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Flux;

/// <summary>
/// The projections of one stream of a double block (the official <c>SelfAttention</c>, used as <c>img_attn</c> and
/// <c>txt_attn</c>): fused <c>qkv</c>, per-head QK-RMSNorm <c>norm</c>, output <c>proj</c>. The joint attention itself runs in
/// <see cref="FluxDoubleStreamBlock"/>. Keys: <c>qkv</c>, <c>norm.query_norm</c>, <c>norm.key_norm</c>, <c>proj</c>.
/// </summary>
public sealed class FluxSelfAttention : nn.Module
{
    private readonly int _dim;
    private readonly int _heads;
    private readonly Linear qkv;
    private readonly FluxQkNorm norm;
    private readonly Linear proj;

    /// <summary>Creates the projections.</summary>
    public FluxSelfAttention(int dim, int heads, bool qkvBias, Device? device, ScalarType? dtype) : base(nameof(FluxSelfAttention))
    {
        _dim = dim;
        _heads = heads;
        qkv = nn.Linear(dim, dim * 3L, hasBias: qkvBias, device: device, dtype: dtype);
        norm = new FluxQkNorm(dim / heads, device, dtype);
        proj = nn.Linear(dim, dim, hasBias: true, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>x [B, n, C] → normed q, normed k, v, each [B, n, H, D] (<c>"B L (K H D) -> K B H L D"</c>, kept as [B, L, H, D]).</summary>
    public (Tensor Q, Tensor K, Tensor V) QueryKeyValue(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1];
        var parts = qkv.call(x).view(b, n, 3, _heads, -1);                  // [B, n, 3, H, D]
        var v = parts.select(2, 2);                                          // [B, n, H, D]
        var q = norm.Query(parts.select(2, 0), v.dtype);
        var k = norm.Key(parts.select(2, 1), v.dtype);
        return (q.MoveToOuterDisposeScope(), k.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope());
    }

    /// <summary>Keys (normed) and values [B, e, H, D] of extra input rows x [B, e, C], with the K/V rows of <c>qkv</c> only.</summary>
    public (Tensor K, Tensor V) KeyValue(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], e = x.shape[1];
        var w = qkv.weight!.narrow(0, _dim, 2L * _dim);                      // [2C, C]
        var bias = qkv.bias?.narrow(0, _dim, 2L * _dim);                     // [2C]
        var parts = nn.functional.linear(x, w, bias).view(b, e, 2, _heads, -1); // [B, e, 2, H, D]
        var v = parts.select(2, 1);
        var k = norm.Key(parts.select(2, 0), v.dtype);
        return (k.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope());
    }

    /// <summary>Output projection of attention rows [B, n, C].</summary>
    public Tensor Project(Tensor attention) => proj.call(attention);
}
