using System.Globalization;
using Jano.Core.Weights;

namespace Jano.Models.Flux;

/// <summary>
/// The Diffusers <c>FluxTransformer2DModel</c> names (a Diffusers folder's <c>transformer/</c>) mapped onto the official
/// FLUX keys (= <see cref="FluxModel"/>'s state_dict), rule by rule as diffusers' <c>scripts/convert_flux_to_diffusers.py</c>
/// (huggingface/diffusers 58eb52c, <c>convert_flux_transformer_checkpoint_to_diffusers</c>) writes them, read backwards:
/// renames; the double blocks' image and text qkv fused from <c>attn.to_q/to_k/to_v</c> and
/// <c>attn.add_q_proj/add_k_proj/add_v_proj</c>; the single blocks' <c>linear1</c> fused from <c>attn.to_q/to_k/to_v</c> and
/// <c>proj_mlp</c>; and <c>norm_out.linear</c> with its halves swapped (Diffusers' AdaLayerNormContinuous splits scale, shift;
/// the official LastLayer shift, scale: the script's <c>swap_scale_shift</c>).
/// </summary>
public static class FluxDiffusersKeys
{
    /// <summary>Top-level renames, official → Diffusers (each for .weight and .bias).</summary>
    public static IReadOnlyList<(string Official, string Diffusers)> TopLevel { get; } =
    [
        ("time_in.in_layer", "time_text_embed.timestep_embedder.linear_1"),
        ("time_in.out_layer", "time_text_embed.timestep_embedder.linear_2"),
        ("vector_in.in_layer", "time_text_embed.text_embedder.linear_1"),
        ("vector_in.out_layer", "time_text_embed.text_embedder.linear_2"),
        ("txt_in", "context_embedder"),
        ("img_in", "x_embedder"),
        ("final_layer.linear", "proj_out"),
    ];

    /// <summary>The guidance embedder (dev only), official → Diffusers.</summary>
    public static IReadOnlyList<(string Official, string Diffusers)> Guidance { get; } =
    [
        ("guidance_in.in_layer", "time_text_embed.guidance_embedder.linear_1"),
        ("guidance_in.out_layer", "time_text_embed.guidance_embedder.linear_2"),
    ];

    /// <summary>Renames inside <c>double_blocks.N.</c> / <c>transformer_blocks.N.</c> (full tensor names).</summary>
    public static IReadOnlyList<(string Official, string Diffusers)> DoubleBlock { get; } =
    [
        ("img_mod.lin.weight", "norm1.linear.weight"), ("img_mod.lin.bias", "norm1.linear.bias"),
        ("txt_mod.lin.weight", "norm1_context.linear.weight"), ("txt_mod.lin.bias", "norm1_context.linear.bias"),
        ("img_attn.norm.query_norm.scale", "attn.norm_q.weight"), ("img_attn.norm.key_norm.scale", "attn.norm_k.weight"),
        ("txt_attn.norm.query_norm.scale", "attn.norm_added_q.weight"), ("txt_attn.norm.key_norm.scale", "attn.norm_added_k.weight"),
        ("img_mlp.0.weight", "ff.net.0.proj.weight"), ("img_mlp.0.bias", "ff.net.0.proj.bias"),
        ("img_mlp.2.weight", "ff.net.2.weight"), ("img_mlp.2.bias", "ff.net.2.bias"),
        ("txt_mlp.0.weight", "ff_context.net.0.proj.weight"), ("txt_mlp.0.bias", "ff_context.net.0.proj.bias"),
        ("txt_mlp.2.weight", "ff_context.net.2.weight"), ("txt_mlp.2.bias", "ff_context.net.2.bias"),
        ("img_attn.proj.weight", "attn.to_out.0.weight"), ("img_attn.proj.bias", "attn.to_out.0.bias"),
        ("txt_attn.proj.weight", "attn.to_add_out.weight"), ("txt_attn.proj.bias", "attn.to_add_out.bias"),
    ];

    /// <summary>Renames inside <c>single_blocks.N.</c> / <c>single_transformer_blocks.N.</c>.</summary>
    public static IReadOnlyList<(string Official, string Diffusers)> SingleBlock { get; } =
    [
        ("modulation.lin.weight", "norm.linear.weight"), ("modulation.lin.bias", "norm.linear.bias"),
        ("norm.query_norm.scale", "attn.norm_q.weight"), ("norm.key_norm.scale", "attn.norm_k.weight"),
        ("linear2.weight", "proj_out.weight"), ("linear2.bias", "proj_out.bias"),
    ];

    /// <summary>Every mapping for a model of config <paramref name="cfg"/>: model key ← Diffusers tensor(s).</summary>
    public static IReadOnlyList<TensorMapping> Transformer(FluxConfig cfg)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        var result = new List<TensorMapping>();
        string[] wb = cfg.QkvBias ? ["weight", "bias"] : ["weight"];
        foreach (var (o, d) in cfg.GuidanceEmbed ? TopLevel.Concat(Guidance) : TopLevel)
        {
            result.Add(TensorMapping.Rename($"{o}.weight", $"{d}.weight"));
            result.Add(TensorMapping.Rename($"{o}.bias", $"{d}.bias"));
        }
        for (int i = 0; i < cfg.Depth; i++)
        {
            string o = Invariant($"double_blocks.{i}."), d = Invariant($"transformer_blocks.{i}.");
            result.AddRange(DoubleBlock.Select(r => TensorMapping.Rename(o + r.Official, d + r.Diffusers)));
            foreach (var p in wb)
            {
                result.Add(new TensorMapping($"{o}img_attn.qkv.{p}", [$"{d}attn.to_q.{p}", $"{d}attn.to_k.{p}", $"{d}attn.to_v.{p}"]));
                result.Add(new TensorMapping($"{o}txt_attn.qkv.{p}", [$"{d}attn.add_q_proj.{p}", $"{d}attn.add_k_proj.{p}", $"{d}attn.add_v_proj.{p}"]));
            }
        }
        for (int i = 0; i < cfg.DepthSingleBlocks; i++)
        {
            string o = Invariant($"single_blocks.{i}."), d = Invariant($"single_transformer_blocks.{i}.");
            result.AddRange(SingleBlock.Select(r => TensorMapping.Rename(o + r.Official, d + r.Diffusers)));
            foreach (var p in new[] { "weight", "bias" })
                result.Add(new TensorMapping($"{o}linear1.{p}", [$"{d}attn.to_q.{p}", $"{d}attn.to_k.{p}", $"{d}attn.to_v.{p}", $"{d}proj_mlp.{p}"]));
        }
        result.Add(new TensorMapping("final_layer.adaLN_modulation.1.weight", ["norm_out.linear.weight"], SwapHalves: true));
        result.Add(new TensorMapping("final_layer.adaLN_modulation.1.bias", ["norm_out.linear.bias"], SwapHalves: true));
        return result;
    }

    /// <summary>Shapes of a mapping's Diffusers tensors for the model tensor shape <paramref name="target"/>: qkv fuses split
    /// in three equal row blocks, linear1 in [C, C, C, mlp_hidden] rows, everything else as the model tensor.</summary>
    public static IReadOnlyList<long[]> SourceShapes(TensorMapping mapping, long[] target, FluxConfig cfg)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(cfg);
        var rest = target.Skip(1).ToArray();
        return mapping.Sources.Count switch
        {
            1 => [target],
            3 => Enumerable.Repeat<long[]>([target[0] / 3, .. rest], 3).ToArray(),
            4 => [[cfg.HiddenSize, .. rest], [cfg.HiddenSize, .. rest], [cfg.HiddenSize, .. rest], [cfg.MlpHiddenDim, .. rest]],
            _ => throw new ArgumentException($"unexpected mapping for {mapping.Target}"),
        };
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
