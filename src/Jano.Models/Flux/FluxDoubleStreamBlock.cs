using Jano.Core.Acceleration;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Flux;

/// <summary>
/// One double-stream block (the official <c>DoubleStreamBlock</c>): image and text streams with their own modulation,
/// norms, qkv + QK-RMSNorm, output projection and tanh-GELU MLP; one joint attention over <c>[txt; img]</c>.
/// Keys: <c>double_blocks.N.{img_mod.lin, img_attn.*, img_mlp.0, img_mlp.2, txt_mod.lin, txt_attn.*, txt_mlp.0, txt_mlp.2}</c>.
/// Seam: the image tokens are the selected ones; their keys/values (after QK-norm and RoPE) pass
/// <see cref="ITransformerHooks.ExtendKeyValues"/>, so cached image K/V of frozen tokens feed both streams' queries.
/// </summary>
public sealed class FluxDoubleStreamBlock : nn.Module
{
    private readonly int _layer;
    private readonly FluxModulation img_mod;
    private readonly LayerNorm img_norm1;
    private readonly FluxSelfAttention img_attn;
    private readonly LayerNorm img_norm2;
    private readonly Sequential img_mlp;
    private readonly FluxModulation txt_mod;
    private readonly LayerNorm txt_norm1;
    private readonly FluxSelfAttention txt_attn;
    private readonly LayerNorm txt_norm2;
    private readonly Sequential txt_mlp;

    /// <summary>Creates block <paramref name="layer"/> (its index among all blocks, as the seam sees it).</summary>
    public FluxDoubleStreamBlock(int layer, FluxConfig cfg, Device? device, ScalarType? dtype) : base(nameof(FluxDoubleStreamBlock))
    {
        ArgumentNullException.ThrowIfNull(cfg);
        _layer = layer;
        int c = cfg.HiddenSize, m = cfg.MlpHiddenDim;
        img_mod = new FluxModulation(c, isDouble: true, device, dtype);
        img_norm1 = nn.LayerNorm(c, eps: 1e-6, elementwise_affine: false, device: device, dtype: dtype);
        img_attn = new FluxSelfAttention(c, cfg.NumHeads, cfg.QkvBias, device, dtype);
        img_norm2 = nn.LayerNorm(c, eps: 1e-6, elementwise_affine: false, device: device, dtype: dtype);
        img_mlp = Mlp(c, m, device, dtype);
        txt_mod = new FluxModulation(c, isDouble: true, device, dtype);
        txt_norm1 = nn.LayerNorm(c, eps: 1e-6, elementwise_affine: false, device: device, dtype: dtype);
        txt_attn = new FluxSelfAttention(c, cfg.NumHeads, cfg.QkvBias, device, dtype);
        txt_norm2 = nn.LayerNorm(c, eps: 1e-6, elementwise_affine: false, device: device, dtype: dtype);
        txt_mlp = Mlp(c, m, device, dtype);
        RegisterComponents();
    }

    internal static Sequential Mlp(int c, int m, Device? device, ScalarType? dtype) => nn.Sequential(
        nn.Linear(c, m, hasBias: true, device: device, dtype: dtype),
        nn.GELU(GELU.Approximate.tanh),
        nn.Linear(m, c, hasBias: true, device: device, dtype: dtype));

    /// <summary>The image stream's modulated attention input (1 + scale₁)·img_norm1(img) + shift₁, [B, n, C] (TeaCache's probe).</summary>
    public Tensor ModulatedImageInput(Tensor img, Tensor vec)
    {
        using var scope = NewDisposeScope();
        var mod = img_mod.Forward(vec);
        return FluxModulation.Modulate(img_norm1.call(img), mod[0], mod[1]).MoveToOuterDisposeScope();
    }

    /// <summary>img [B, n, C] (selected image tokens), txt [B, L, C], vec [B, C] → (img, txt) after the block.</summary>
    public (Tensor Img, Tensor Txt) Forward(Tensor img, Tensor txt, Tensor vec, FluxPositions pos, ITransformerHooks hooks)
    {
        ArgumentNullException.ThrowIfNull(pos);
        ArgumentNullException.ThrowIfNull(hooks);
        using var scope = NewDisposeScope();
        var im = img_mod.Forward(vec);                                           // shift, scale, gate ×2, each [B, 1, C]
        var tm = txt_mod.Forward(vec);
        long l = txt.shape[1];

        var imgIn = FluxModulation.Modulate(img_norm1.call(img), im[0], im[1]);  // [B, n, C]
        var (iq, ik, iv) = img_attn.QueryKeyValue(imgIn);                        // [B, n, H, D]
        var txtIn = FluxModulation.Modulate(txt_norm1.call(txt), tm[0], tm[1]);  // [B, L, C]
        var (tq, tk, tv) = txt_attn.QueryKeyValue(txtIn);                        // [B, L, H, D]

        // RoPE per stream (the official applies it to the concatenation [txt; img] with [txt_ids; img_ids])
        tq = FluxMath.ApplyRope(tq, pos.TextCos, pos.TextSin);
        tk = FluxMath.ApplyRope(tk, pos.TextCos, pos.TextSin);
        iq = FluxMath.ApplyRope(iq, pos.ImageCos, pos.ImageSin);
        ik = FluxMath.ApplyRope(ik, pos.ImageCos, pos.ImageSin);

        // seam: extra K/V input rows (cached attention inputs of frozen image tokens), before the K/V projections
        if (hooks.ExtraKeyValueInput(_layer, imgIn) is { } extra)
        {
            var (ek, ev) = img_attn.KeyValue(extra.Input.to(imgIn.dtype, imgIn.device));                      // [B, e, H, D]
            ik = torch.cat([ik, pos.RotateAt(ek, extra.Positions)], 1);                                       // [B, n + e, H, D]
            iv = torch.cat([iv, ev], 1);
        }
        // seam: image K/V after projection + QK-norm + RoPE (cached image K/V of frozen tokens are appended here)
        var (keys, values) = hooks.ExtendKeyValues(_layer, ik, iv);              // [B, n', H, D]

        var q = torch.cat([tq, iq], 1);                                          // [B, L + n, H, D]
        var k = torch.cat([tk, keys], 1);                                        // [B, L + n', H, D]
        var v = torch.cat([tv, values], 1);
        var attn = FluxMath.Attention(q, k, v);                                  // [B, L + n, C]
        var txtAttn = attn.narrow(1, 0, l);                                      // [B, L, C]
        var imgAttn = attn.narrow(1, l, attn.shape[1] - l);                      // [B, n, C]

        img = img.add(im[2].mul(img_attn.Project(imgAttn)));
        img = img.add(im[5].mul(img_mlp.call(FluxModulation.Modulate(img_norm2.call(img), im[3], im[4]))));
        txt = txt.add(tm[2].mul(txt_attn.Project(txtAttn)));
        txt = txt.add(tm[5].mul(txt_mlp.call(FluxModulation.Modulate(txt_norm2.call(txt), tm[3], tm[4]))));
        return (img.MoveToOuterDisposeScope(), txt.MoveToOuterDisposeScope());
    }
}
