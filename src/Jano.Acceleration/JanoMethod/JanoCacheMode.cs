namespace Jano.Acceleration.JanoMethod;

/// <summary>What Jano caches for frozen (static, medium) tokens, per guidance-branch rows and layer (spec §3.2, §3.7).</summary>
public enum JanoCacheMode
{
    /// <summary>Post-qk-norm, post-RoPE K and V [B, s|m, C] each (the authors' HEAD).</summary>
    Kv,

    /// <summary>The self-attention input (modulated norm1 output) [B, s|m, C]: half the bytes of <see cref="Kv"/>; on cheap
    /// steps K/V of all tokens are projected again from concat(subset input, cached inputs) every layer.</summary>
    Hidden,
}
