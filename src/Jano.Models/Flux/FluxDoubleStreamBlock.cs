using Jano.Core.Acceleration;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.Flux;

/// <summary>
/// One double-stream block (the official <c>DoubleStreamBlock</c>): image and text streams with their own modulation,
/// norms, qkv + QK-RMSNorm, output projection and tanh-GELU MLP; one joint attention over <c>[txt; img]</c>.
/// Keys: <c>double_blocks.N.{img_mod.lin, img_attn.*, img_mlp.0, img_mlp.2, txt_mod.lin, txt_attn.*, txt_mlp.0, txt_mlp.2}</c>.
/// Seam: the joint attention (both streams, after their output projections) passes <see cref="ITransformerHooks.RunAttention"/>
/// and both MLPs <see cref="ITransformerHooks.RunMlp"/>; the image tokens are the selected ones; keys/values (after QK-norm and
/// RoPE, text rows first) pass <see cref="ITransformerHooks.ExtendKeyValues"/>, so cached image K/V of frozen tokens feed both
/// streams' queries.
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

        var imgIn = FluxModulation.Modulate(img_norm1.call(img), im[0], im[1]);  // [B, n, C]
        var txtIn = FluxModulation.Modulate(txt_norm1.call(txt), tm[0], tm[1]);  // [B, L, C]
        // seam: joint attention over [txt; img], after each stream's output projection
        var a = hooks.RunAttention(_layer, AttentionKind.Joint, new TokenStreams(imgIn, txtIn), s => Attend(s, pos, hooks));
        img = img.Plus(im[2].mul(a.Image));
        txt = txt.Plus(tm[2].mul(a.Text!));
        // seam: MLP of both streams
        var f = hooks.RunMlp(_layer, new TokenStreams(FluxModulation.Modulate(img_norm2.call(img), im[3], im[4]),
            FluxModulation.Modulate(txt_norm2.call(txt), tm[3], tm[4])), s => new TokenStreams(img_mlp.call(s.Image), txt_mlp.call(s.Text!)));
        img = img.Plus(im[5].mul(f.Image));
        txt = txt.Plus(tm[5].mul(f.Text!));
        return (img.MoveToOuterDisposeScope(), txt.MoveToOuterDisposeScope());
    }

    // Joint attention of the modulated streams (image [B, n, C], text [B, L, C]) → projected outputs per stream.
    private TokenStreams Attend(TokenStreams s, FluxPositions pos, ITransformerHooks hooks)
    {
        var txtIn = s.Text ?? throw new ArgumentException("a FLUX double block's attention needs the text stream");
        long l = txtIn.shape[1];
        var (iq, ik, iv) = img_attn.QueryKeyValue(s.Image);                      // [B, n, H, D]
        var (tq, tk, tv) = txt_attn.QueryKeyValue(txtIn);                        // [B, L, H, D]

        // RoPE per stream (the official applies it to the concatenation [txt; img] with [txt_ids; img_ids])
        tq = FluxMath.ApplyRope(tq, pos.TextCos, pos.TextSin);
        tk = FluxMath.ApplyRope(tk, pos.TextCos, pos.TextSin);
        iq = FluxMath.ApplyRope(iq, pos.ImageCos, pos.ImageSin);
        ik = FluxMath.ApplyRope(ik, pos.ImageCos, pos.ImageSin);

        // seam: extra K/V input rows (cached attention inputs of frozen image tokens), before the K/V projections
        if (hooks.ExtraKeyValueInput(_layer, s.Image) is { } extra)
        {
            var (ek, ev) = img_attn.KeyValue(extra.Input.to(s.Image.dtype, s.Image.device));                  // [B, e, H, D]
            ik = torch.cat([ik, pos.RotateAt(ek, extra.Positions)], 1);                                       // [B, n + e, H, D]
            iv = torch.cat([iv, ev], 1);
        }
        // seam: K/V after projection + QK-norm + RoPE, text rows first (cached image K/V of frozen tokens are appended)
        var kv = hooks.ExtendKeyValues(_layer, new KeyValues(torch.cat([tk, ik], 1), torch.cat([tv, iv], 1), (int)l)); // [B, L + n', H, D]

        var q = torch.cat([tq, iq], 1);                                          // [B, L + n, H, D]
        var attn = FluxMath.Attention(q, kv.K, kv.V);                            // [B, L + n, C]
        var txtAttn = attn.narrow(1, 0, l);                                      // [B, L, C]
        var imgAttn = attn.narrow(1, l, attn.shape[1] - l);                      // [B, n, C]
        return new TokenStreams(img_attn.Project(imgAttn), txt_attn.Project(txtAttn));
    }
}
