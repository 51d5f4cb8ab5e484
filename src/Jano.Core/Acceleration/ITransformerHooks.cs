using static TorchSharp.torch;

namespace Jano.Core.Acceleration;

/// <summary>
/// The seam. A model calls these points, in this order, in every forward; an accelerator decides what
/// happens there. A model never names a method. Each call site in a model carries a <c>// seam:</c> comment.
/// Shapes: B batch rows (one per guidance branch, see <see cref="IAcceleratorSession.Hooks"/>),
/// N all latent tokens, n the selected tokens, C hidden size, H heads, D head dim.
/// Tensors returned may be the argument itself; the caller owns neither (dispose scopes do).
/// </summary>
public interface ITransformerHooks
{
    /// <summary>Token level, right after patch embedding: which of the N latent tokens this forward computes.
    /// The model gathers those rows of its token states and of its positional tables (RoPE).</summary>
    TokenSelection SelectTokens(int tokenCount);

    /// <summary>Step level, around the whole block stack. <paramref name="x"/> [B, n, C] enters the first block;
    /// <paramref name="probe"/> lazily gives the first block's modulated self-attention input [B, n, C] (TeaCache's signal).
    /// An implementation either returns <c>runBlocks(x)</c> or something it cached.</summary>
    Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks);

    /// <summary>Block level: <c>runBlock(x)</c> computes block <paramref name="layer"/> on x [B, n, C].</summary>
    Tensor RunBlock(int layer, Tensor x, Func<Tensor, Tensor> runBlock);

    /// <summary>Attention level: <c>compute(input)</c> is the attention output after its output projection [B, n, C].</summary>
    Tensor RunAttention(int layer, AttentionKind kind, Tensor input, Func<Tensor, Tensor> compute);

    /// <summary>K/V input level, inside self-attention right before the K/V projections: <paramref name="x"/> [B, n, C] is the
    /// self-attention input of the selected tokens. Returns extra input rows [B, e, C] with their original token positions
    /// [e] (int64), whose keys/values the model computes with the same projections, qk-norm and RoPE (at those positions)
    /// and places right after the selected tokens' K/V; or null for none (K/V then come from x alone, as without hooks).</summary>
    (Tensor Input, Tensor Positions)? ExtraKeyValueInput(int layer, Tensor x);

    /// <summary>K/V level, right after K/V projection, qk-norm and RoPE of the latent tokens, before attention:
    /// k, v [B, n, H, D] of the selected tokens. Returns the keys/values attention uses, [B, n', H, D] with n' ≥ n
    /// (cached rows of frozen tokens appended). FLUX-style models pass only image-token K/V here and
    /// concatenate the always-computed text K/V themselves.</summary>
    (Tensor K, Tensor V) ExtendKeyValues(int layer, Tensor k, Tensor v);

    /// <summary>After the head: <paramref name="output"/> [B, n, P] for the selected rows; returns [B, N, P]
    /// for every token (rows not computed come from the accelerator's per-branch buffer).</summary>
    Tensor ComposeOutput(Tensor output, TokenSelection selection);
}
