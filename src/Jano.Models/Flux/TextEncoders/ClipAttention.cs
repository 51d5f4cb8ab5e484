using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Flux.TextEncoders;

/// <summary>CLIP's causal multi-head self-attention (scale 1/√D). Keys: <c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c>, <c>out_proj</c>.</summary>
public sealed class ClipAttention : nn.Module<Tensor, Tensor>
{
    private readonly int _heads;
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear out_proj;

    /// <summary>Creates the layer.</summary>
    public ClipAttention(int dim, int heads, Device? device, ScalarType? dtype) : base(nameof(ClipAttention))
    {
        _heads = heads;
        q_proj = nn.Linear(dim, dim, hasBias: true, device: device, dtype: dtype);
        k_proj = nn.Linear(dim, dim, hasBias: true, device: device, dtype: dtype);
        v_proj = nn.Linear(dim, dim, hasBias: true, device: device, dtype: dtype);
        out_proj = nn.Linear(dim, dim, hasBias: true, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>x [B, L, C] → [B, L, C]; token i attends to tokens 0…i.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], l = x.shape[1], c = x.shape[2];
        var q = q_proj.call(x).view(b, l, _heads, -1).transpose(1, 2);      // [B, H, L, D]
        var k = k_proj.call(x).view(b, l, _heads, -1).transpose(1, 2);
        var v = v_proj.call(x).view(b, l, _heads, -1).transpose(1, 2);
        var o = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true); // [B, H, L, D]
        return out_proj.call(o.transpose(1, 2).reshape(b, l, c)).MoveToOuterDisposeScope();
    }
}
