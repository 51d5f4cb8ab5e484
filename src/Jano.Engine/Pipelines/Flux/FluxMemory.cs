using Jano.Models.Flux;
using Jano.Models.Wan.TextEncoder;

namespace Jano.Engine.Pipelines.Flux;

/// <summary>
/// FLUX.1's memory from sizes alone (no model is built). With d = hidden size, m = MLP width, h = head dim:
/// a double block holds two streams of (modulation 6d² + 6d, qkv 3d² [+ 3d], QK-norm scales 2h, projection d² + d,
/// MLP 2dm + m + d) = 20d² + 4dm + O(d); a single block holds modulation 3d² + 3d, linear1 d(3d + m) + 3d + m, linear2
/// (d + m)d + d and 2h = 7d² + 2dm + O(d); embedders and the final layer add (in + 256 + vec + ctx + 2d + [256 + d])·d and
/// 2d² + d·out. FLUX.1-dev: 11.9 billion parameters, 23.8 GB in bf16. The T5 v1.1-XXL encoder adds vocab·D + layers·(4·D·A +
/// 3·D·F + 2D) (4.76 billion, 9.5 GB in bf16; freed before the DiT loads).
/// </summary>
public static class FluxMemory
{
    /// <summary>Exact parameter count of a <see cref="FluxModel"/> of <paramref name="cfg"/>.</summary>
    public static long Parameters(FluxConfig cfg)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        long d = cfg.HiddenSize, m = cfg.MlpHiddenDim, h = cfg.HeadDim, freq = FluxMath.TimestepDim;
        long Linear(long input, long output, bool bias = true) => input * output + (bias ? output : 0);
        long Mlp(long input) => Linear(input, d) + Linear(d, d);                                      // MLPEmbedder
        long stream = Linear(d, 6 * d) + Linear(d, 3 * d, cfg.QkvBias) + 2 * h + Linear(d, d) + Linear(d, m) + Linear(m, d);
        long single = Linear(d, 3 * d) + Linear(d, 3 * d + m) + Linear(d + m, d) + 2 * h;
        long top = Linear(cfg.InChannels, d) + Mlp(freq) + Mlp(cfg.VecInDim) + (cfg.GuidanceEmbed ? Mlp(freq) : 0) + Linear(cfg.ContextInDim, d)
                   + Linear(d, 2 * d) + Linear(d, cfg.OutChannels);
        return top + cfg.Depth * 2 * stream + cfg.DepthSingleBlocks * single;
    }

    /// <summary>Parameters of a T5 v1.1 encoder of <paramref name="cfg"/> (shared relative position bias, gated-GELU MLP).</summary>
    public static long T5Parameters(UmT5Config cfg)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        long perLayer = 4L * cfg.Dim * cfg.DimAttn + 3L * cfg.Dim * cfg.DimFfn + 2L * cfg.Dim;
        return (long)cfg.Vocab * cfg.Dim + cfg.NumLayers * perLayer + (long)cfg.NumBuckets * cfg.NumHeads + cfg.Dim;
    }

    /// <summary>
    /// Activation bytes of one forward at <paramref name="imageTokens"/> + <paramref name="textTokens"/> tokens, batch 1, as an
    /// upper estimate: ten [N, d] tensors alive in a block (streams, normed input, q, k, v, attention out, modulation) and the
    /// widest block tensor [N, 3d + m] (a single block's linear1) three times (input, GELU, output). Attention runs through
    /// <c>scaled_dot_product_attention</c>, whose CPU kernel does not hold the [N, N] score matrix.
    /// </summary>
    public static double ActivationBytes(FluxConfig cfg, long imageTokens, long textTokens, int elementSize)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        double n = imageTokens + textTokens, d = cfg.HiddenSize, m = cfg.MlpHiddenDim;
        return n * (10 * d + 3 * (3 * d + m)) * elementSize;
    }
}
