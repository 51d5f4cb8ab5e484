using Jano.Core.Acceleration;

namespace Jano.Engine.Bench;

/// <summary>
/// FLOPs per token per module from a <see cref="TransformerDescriptor"/> (C hidden, F MLP width, L condition tokens), one
/// multiply-add = 2 FLOPs; norms, modulation, embeddings, the head and analysis are not counted.
/// </summary>
public static class FlopModel
{
    /// <summary>Self-attention for m query tokens seeing <paramref name="keys"/> keys: Q, K, V, O projections of the m
    /// computed tokens (8·m·C²) plus scores and weighted values (4·m·keys·C).</summary>
    public static double SelfAttention(TransformerDescriptor d, long m, long keys) =>
        8.0 * m * d.HiddenSize * d.HiddenSize + 4.0 * m * keys * d.HiddenSize;

    /// <summary>Cross-attention for m query tokens: Q, O projections (4·m·C²), K, V of the L condition tokens (4·L·C²),
    /// scores and values (4·m·L·C).</summary>
    public static double CrossAttention(TransformerDescriptor d, long m) =>
        4.0 * m * d.HiddenSize * d.HiddenSize + 4.0 * d.ContextTokens * d.HiddenSize * d.HiddenSize + 4.0 * m * d.ContextTokens * d.HiddenSize;

    /// <summary>MLP on m tokens: two linears C→F→C (4·m·C·F).</summary>
    public static double Mlp(TransformerDescriptor d, long m) => 4.0 * m * d.HiddenSize * d.FfnSize;

    /// <summary>One full forward of one batch row: every layer, every token, all N keys.</summary>
    public static double FullForward(TransformerDescriptor d)
    {
        long n = d.TokenCount;
        return d.Layers * (SelfAttention(d, n, n) + CrossAttention(d, n) + Mlp(d, n));
    }
}
