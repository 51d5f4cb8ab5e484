using static TorchSharp.torch;

namespace Jano.Core.Acceleration;

/// <summary>
/// The token rows one attention or MLP seam call carries: the latent (image or video patch) tokens a forward computes,
/// and, in joint-attention models (FLUX), the text tokens that are always computed and always come first in the joint
/// sequence. Shapes: <see cref="Image"/> [B, n, C] (n the selected latent tokens, see <see cref="ITransformerHooks.SelectTokens"/>),
/// <see cref="Text"/> [B, t, C] or null (models without a text stream: DiT, Wan). The caller owns both tensors.
/// </summary>
/// <param name="Image">Latent-token rows [B, n, C].</param>
/// <param name="Text">Text-token rows [B, t, C] of a joint-attention model, or null.</param>
public readonly record struct TokenStreams(Tensor Image, Tensor? Text = null)
{
    /// <summary>Text rows t (0 without a text stream).</summary>
    public long TextTokens => Text?.shape[1] ?? 0;

    /// <summary>All rows of the call, text and latent: t + n.</summary>
    public long Rows => TextTokens + Image.shape[1];
}
