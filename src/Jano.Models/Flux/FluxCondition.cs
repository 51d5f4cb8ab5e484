using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Models.Flux;

/// <summary>
/// What FLUX's transformer is conditioned on, besides the timestep: T5 token embeddings <see cref="Txt"/> [B, L, context_in_dim],
/// the pooled CLIP vector <see cref="Vec"/> [B, vec_in_dim] and, for guidance-distilled models (dev), the guidance strength
/// <see cref="Guidance"/> [B] (the official <c>denoise</c> passes 3.5 by default through <c>guidance_vec</c>). Text ids are
/// all zero, as the official <c>prepare()</c> makes them. The holder does not own its tensors.
/// <para>Interim: the current seam's <c>IDiffusionTransformer.Forward</c> takes one <c>Tensor context</c>; <see cref="ToContext"/>
/// packs a condition into one tensor [B, L + 1, context_in_dim] (the extra last row holds the pooled vector in its first
/// vec_in_dim columns and the guidance in the next one) and <see cref="FromContext"/> reads it back exactly. This goes away
/// once the seam takes a condition record.</para>
/// </summary>
/// <param name="Txt">T5 embeddings [B, L, context_in_dim].</param>
/// <param name="Vec">Pooled CLIP output [B, vec_in_dim].</param>
/// <param name="Guidance">Guidance strength [B] for guidance-distilled models, or null.</param>
public sealed record FluxCondition(Tensor Txt, Tensor Vec, Tensor? Guidance)
{
    /// <summary>Checks the shapes against <paramref name="cfg"/> and batch size <paramref name="batch"/>; one-line messages.</summary>
    public void Validate(FluxConfig cfg, long batch)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        if (Txt.dim() != 3 || Txt.shape[0] != batch || Txt.shape[2] != cfg.ContextInDim)
            throw new ArgumentException($"FLUX text embeddings must be [{batch}, L, {cfg.ContextInDim}], got [{string.Join(", ", Txt.shape)}]");
        if (Vec.dim() != 2 || Vec.shape[0] != batch || Vec.shape[1] != cfg.VecInDim)
            throw new ArgumentException($"FLUX pooled vector must be [{batch}, {cfg.VecInDim}], got [{string.Join(", ", Vec.shape)}]");
        if (cfg.GuidanceEmbed && Guidance is null)
            throw new ArgumentException("Didn't get guidance strength for guidance distilled model.");
        if (Guidance is not null && (Guidance.dim() != 1 || Guidance.shape[0] != batch))
            throw new ArgumentException($"FLUX guidance must be [{batch}], got [{string.Join(", ", Guidance.shape)}]");
    }

    /// <summary>The condition packed into one tensor [B, L + 1, context_in_dim] in <see cref="Txt"/>'s dtype (a new tensor).
    /// Needs context_in_dim ≥ vec_in_dim + 1 (4096 ≥ 769 for the released models).</summary>
    public Tensor ToContext(FluxConfig cfg)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        long b = Txt.shape[0];
        Validate(cfg, b);
        if (cfg.ContextInDim < cfg.VecInDim + 1)
            throw new ArgumentException($"context_in_dim ({cfg.ContextInDim}) must be at least vec_in_dim + 1 ({cfg.VecInDim + 1}) to pack a FLUX condition");
        using var scope = NewDisposeScope();
        var row = torch.zeros([b, 1, cfg.ContextInDim], dtype: Txt.dtype, device: Txt.device);   // [B, 1, ctx]
        row.narrow(2, 0, cfg.VecInDim).copy_(Vec.unsqueeze(1));
        if (Guidance is not null) row.narrow(2, cfg.VecInDim, 1).copy_(Guidance.view(b, 1, 1));
        return torch.cat([Txt, row], 1).MoveToOuterDisposeScope();                                  // [B, L + 1, ctx]
    }

    /// <summary>Reads a context made by <see cref="ToContext"/>: views into <paramref name="context"/> (no copies); guidance is
    /// present exactly when the config embeds it.</summary>
    public static FluxCondition FromContext(Tensor context, FluxConfig cfg)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(cfg);
        if (context.dim() != 3 || context.shape[1] < 2 || context.shape[2] != cfg.ContextInDim || cfg.ContextInDim < cfg.VecInDim + 1)
            throw new ArgumentException(
                $"a packed FLUX context must be [B, L + 1, {cfg.ContextInDim}] with L >= 1, got [{string.Join(", ", context.shape)}]");
        long l = context.shape[1] - 1;
        var txt = context.narrow(1, 0, l);                                                          // [B, L, ctx]
        var last = context.select(1, l);                                                            // [B, ctx]
        var vec = last.narrow(1, 0, cfg.VecInDim);                                                  // [B, vec]
        var guidance = cfg.GuidanceEmbed ? last.select(1, cfg.VecInDim) : null;                     // [B]
        return new FluxCondition(txt, vec, guidance);
    }
}
