using static TorchSharp.torch;

namespace Jano.Core.Acceleration;

/// <summary>
/// The seam: seven points a model calls in every forward, in this order (per block: attention, its K/V points inside
/// self- or joint attention, cross-attention where the model has it, then the MLP); an accelerator decides what happens
/// there. A model never names a method. Each call site in a model carries a <c>// seam:</c> comment. Accelerators derive
/// from <see cref="TransformerHooks"/> (every point passes through) and override only the points they use; wrappers that
/// observe another method's hooks derive from <see cref="DelegatingHooks"/>.
/// Shapes: B batch rows (one per guidance branch, see <see cref="IAcceleratorSession.Hooks"/>), N all latent tokens,
/// n the selected latent tokens, t the text tokens of a joint-attention model (always computed, always first), C hidden
/// size, H heads, D head dim. Tensors returned may be the argument itself; the caller owns neither (dispose scopes do).
/// </summary>
public interface ITransformerHooks
{
    /// <summary>Token level, right after patch embedding: which of the N latent tokens this forward computes (text tokens
    /// are always computed). The model gathers those rows of its token states and of its positional tables (RoPE).</summary>
    TokenSelection SelectTokens(int tokenCount);

    /// <summary>Step level, around the whole block stack. <paramref name="x"/> [B, n, C] are the latent tokens entering the
    /// first block (a joint-attention model carries its text stream inside <paramref name="runBlocks"/>);
    /// <paramref name="probe"/> lazily gives the first block's modulated attention input of the latent tokens [B, n, C]
    /// (TeaCache's signal). An implementation either returns <c>runBlocks(x)</c> or something it cached, [B, n, C].</summary>
    Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks);

    /// <summary>Attention level: <c>compute(input)</c> is the attention output after its output projection, per stream:
    /// latent rows [B, n, C] and, for <see cref="AttentionKind.Joint"/>, text rows [B, t, C]. Self- and cross-attention
    /// carry latent rows only. An implementation returns <c>compute(input)</c>, <c>compute</c> of a subset of the latent rows
    /// scattered into what it cached, or a cached output of the same shapes.</summary>
    TokenStreams RunAttention(int layer, AttentionKind kind, TokenStreams input, Func<TokenStreams, TokenStreams> compute);

    /// <summary>K/V input level, inside self- or joint attention right before the K/V projections: <paramref name="x"/>
    /// [B, n, C] is the attention input of the selected latent tokens (never text rows). Returns extra latent input rows
    /// [B, e, C] with their original token positions [e] (int64, 0..N−1), whose keys/values the model computes with the same
    /// projections, qk-norm and RoPE (at those positions) and places right after the selected tokens' K/V; or null for none
    /// (K/V then come from the computed rows alone, as without hooks).</summary>
    (Tensor Input, Tensor Positions)? ExtraKeyValueInput(int layer, Tensor x);

    /// <summary>K/V level, right after K/V projection, qk-norm and RoPE, before attention: <paramref name="kv"/> holds the
    /// text rows first (<see cref="KeyValues.TextTokens"/>, joint attention only) and then the selected latent tokens'
    /// K/V [B, t + n, H, D]. Returns the keys/values attention uses, text rows still first, [B, t + n', H, D] with n' ≥ n
    /// (e.g. cached K/V of frozen latent tokens appended).</summary>
    KeyValues ExtendKeyValues(int layer, KeyValues kv);

    /// <summary>MLP level: <c>compute(input)</c> is the block's MLP (feed-forward) output per token and stream, before the
    /// gate and residual: latent rows [B, n, C] and, where the model's MLP runs on text rows too, text rows [B, t, C]. The
    /// MLP is per token, so an implementation may compute a subset of the latent rows and fill the rest from a cache.</summary>
    TokenStreams RunMlp(int layer, TokenStreams input, Func<TokenStreams, TokenStreams> compute);

    /// <summary>After the head: <paramref name="output"/> [B, n, P] for the selected latent rows; returns [B, N, P]
    /// for every token (rows not computed come from the accelerator's per-branch buffer).</summary>
    Tensor ComposeOutput(Tensor output, TokenSelection selection);
}
