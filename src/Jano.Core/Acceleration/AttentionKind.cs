namespace Jano.Core.Acceleration;

/// <summary>The attention a <see cref="ITransformerHooks.RunAttention"/> call wraps.</summary>
public enum AttentionKind
{
    /// <summary>Self-attention over the latent tokens (DiT, Wan).</summary>
    Self,
    /// <summary>Cross-attention from latent tokens to condition tokens (DiT, Wan).</summary>
    Cross,
    /// <summary>FLUX-style joint attention over [text; latent] tokens: the call carries both streams
    /// (<see cref="TokenStreams.Text"/> and <see cref="TokenStreams.Image"/>), in double-stream and single-stream blocks.</summary>
    Joint,
}
