using static TorchSharp.torch;

namespace Jano.Core.Acceleration;

/// <summary>
/// Keys and values of one self- or joint-attention call, right after projection, qk-norm and RoPE: K, V [B, t + m, H, D].
/// The first <see cref="TextTokens"/> rows are text tokens (joint attention; always computed, always first); the rest are
/// latent tokens: the selected tokens in selection order, then any extra rows the method asked for
/// (<see cref="ITransformerHooks.ExtraKeyValueInput"/>). A method that extends K/V keeps the text rows first and appends or
/// writes latent rows only. The caller owns the tensors.
/// </summary>
/// <param name="K">Keys [B, t + m, H, D].</param>
/// <param name="V">Values [B, t + m, H, D].</param>
/// <param name="TextTokens">Leading text rows t (0 for models without a text stream).</param>
public readonly record struct KeyValues(Tensor K, Tensor V, int TextTokens = 0)
{
    /// <summary>Latent rows m = rows − t.</summary>
    public long ImageRows => K.shape[1] - TextTokens;
}
