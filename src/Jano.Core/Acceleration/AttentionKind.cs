namespace Jano.Core.Acceleration;

/// <summary>The attention a <see cref="ITransformerHooks.RunAttention"/> call wraps.</summary>
public enum AttentionKind
{
    /// <summary>Self-attention over the latent tokens.</summary>
    Self,
    /// <summary>Cross-attention from latent tokens to condition tokens.</summary>
    Cross,
    /// <summary>FLUX-style joint attention over [text; image] tokens.</summary>
    Joint,
}
