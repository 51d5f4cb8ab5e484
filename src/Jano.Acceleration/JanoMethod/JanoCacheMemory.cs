using Jano.Core.Acceleration;
using static TorchSharp.torch;

namespace Jano.Acceleration.JanoMethod;

/// <summary>
/// Jano's cache memory from sizes alone (no model, no run). At its peak (after a level-3 step) every layer holds, per
/// guidance-branch row, the frozen (static + medium) tokens' K and V (<see cref="JanoCacheMode.Kv"/>: 2·C values per token)
/// or their self-attention input (<see cref="JanoCacheMode.Hidden"/>: C values), in the cache dtype:
/// <c>frozen = rows · layers · (s + m) · C · (2 | 1) · bytes(cache dtype)</c>; the output buffer adds
/// <c>rows · N · P · bytes(model dtype)</c> (P = C_out·pt·ph·pw values per token). Rows = CFG branches (Wan: 2).
/// </summary>
public static class JanoCacheMemory
{
    /// <summary>Bytes per element of a floating-point cache/model dtype.</summary>
    public static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 => 8,
        ScalarType.Float32 => 4,
        ScalarType.BFloat16 or ScalarType.Float16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), $"no cache element size for {dtype}"),
    };

    /// <summary>The estimate for exact frozen-token counts.</summary>
    /// <param name="layers">Transformer blocks.</param>
    /// <param name="hiddenSize">Token width C.</param>
    /// <param name="tokens">Latent tokens N.</param>
    /// <param name="frozenTokens">Static + medium tokens (s + m).</param>
    /// <param name="outputWidth">Values per token out of the head (P).</param>
    /// <param name="rows">Guidance-branch rows that keep separate caches (Wan's CFG: 2).</param>
    /// <param name="mode">K/V or hidden-state caching.</param>
    /// <param name="cacheDType">Storage dtype of the frozen-token caches.</param>
    /// <param name="modelDType">Dtype of the model output (the output buffer).</param>
    public static JanoCacheEstimate Estimate(int layers, int hiddenSize, long tokens, long frozenTokens, int outputWidth, int rows,
        JanoCacheMode mode, ScalarType cacheDType, ScalarType modelDType)
    {
        if (frozenTokens < 0 || frozenTokens > tokens) throw new ArgumentOutOfRangeException(nameof(frozenTokens), $"frozen tokens ({frozenTokens}) must be in [0, {tokens}]");
        long perToken = (long)hiddenSize * (mode == JanoCacheMode.Kv ? 2 : 1) * ElementSize(cacheDType);
        long frozen = (long)rows * layers * frozenTokens * perToken;
        long output = (long)rows * tokens * outputWidth * ElementSize(modelDType);
        return new JanoCacheEstimate(frozen, output);
    }

    /// <summary>The estimate for a model descriptor, level fractions (static, medium; tokens rounded as
    /// <c>round(f·N)</c> per level) and Jano's cache options (<see cref="JanoOptions.CacheDType"/> null = the model dtype).
    /// The output width is taken as latent channels · patch volume (the descriptor has no C_out; Wan and the DiT predict as
    /// many channels as they take).</summary>
    public static JanoCacheEstimate Estimate(TransformerDescriptor model, double staticFraction, double mediumFraction, int rows,
        JanoOptions options, ScalarType modelDType)
    {
        if (!(staticFraction >= 0 && mediumFraction >= 0 && staticFraction + mediumFraction <= 1 + 1e-9))
            throw new ArgumentException($"level fractions (static {staticFraction}, medium {mediumFraction}) must be non-negative and sum to at most 1");
        long n = model.TokenCount;
        long frozen = Math.Min(n, (long)Math.Round(staticFraction * n) + (long)Math.Round(mediumFraction * n));
        int outputWidth = (int)model.LatentShape[0] * model.Patch.T * model.Patch.H * model.Patch.W;
        return Estimate(model.Layers, model.HiddenSize, n, frozen, outputWidth, rows, options.CacheMode,
            options.CacheDType ?? modelDType, modelDType);
    }
}
