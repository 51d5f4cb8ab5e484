using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.Wan.TextEncoder;

/// <summary>One encoder block (the official <c>T5SelfAttention</c>): pre-norm attention and gated-GELU feed-forward with
/// residuals; its own relative-position table unless shared. Keys: <c>norm1</c>, <c>attn</c>, <c>norm2</c>, <c>ffn</c>, <c>pos_embedding</c>.</summary>
public sealed class T5SelfAttentionBlock : nn.Module
{
    private readonly T5LayerNorm norm1;
    private readonly T5Attention attn;
    private readonly T5LayerNorm norm2;
    private readonly T5FeedForward ffn;
    private readonly T5RelativeEmbedding? pos_embedding;

    /// <summary>Creates the block.</summary>
    public T5SelfAttentionBlock(UmT5Config cfg, Device? device, ScalarType? dtype) : base(nameof(T5SelfAttentionBlock))
    {
        norm1 = new T5LayerNorm(cfg.Dim, cfg.Eps, device, dtype);
        attn = new T5Attention(cfg.Dim, cfg.DimAttn, cfg.NumHeads, device, dtype);
        norm2 = new T5LayerNorm(cfg.Dim, cfg.Eps, device, dtype);
        ffn = new T5FeedForward(cfg.Dim, cfg.DimFfn, device, dtype);
        pos_embedding = cfg.SharedPos ? null : new T5RelativeEmbedding(cfg.NumBuckets, cfg.NumHeads, cfg.MaxDist, device, dtype);
        RegisterComponents();
    }

    /// <summary>x [B, L, C]; mask [B, L] or null; sharedBias [1, H, L, L] (used only with shared position tables) → [B, L, C].
    /// The official fp16 clamp is not applied (fp16 is not a supported dtype here).</summary>
    public Tensor Forward(Tensor x, Tensor? mask, Tensor? sharedBias)
    {
        using var scope = NewDisposeScope();
        var e = pos_embedding is null ? sharedBias : pos_embedding.Forward(x.shape[1], x.shape[1]);
        var h = x.Plus(attn.Forward(norm1.call(x), mask, e));
        h = h.Plus(ffn.call(norm2.call(h)));
        return h.MoveToOuterDisposeScope();
    }
}
