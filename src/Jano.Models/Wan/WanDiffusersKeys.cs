using System.Text.RegularExpressions;
using Jano.Core.Weights;

namespace Jano.Models.Wan;

/// <summary>
/// The Diffusers names of a Wan2.1 text-to-video DiT (<c>WanTransformer3DModel</c>, <c>transformer/</c>) and the official
/// names (<c>wan/modules/model.py</c>, = <see cref="WanModel"/>'s state_dict keys) they stand for. Written from
/// diffusers' <c>transformer_wan.py</c> and <c>scripts/convert_wan_to_diffusers.py</c>: the tensors are the same (no
/// fusing, splitting or reshaping for t2v: both <c>scale_shift_table</c>s keep the official [1, 6, C] / [1, 2, C] shape);
/// only names change, including the swap of the affine cross-attention norm (official <c>norm3</c>, Diffusers <c>norm2</c>).
/// </summary>
public static partial class WanDiffusersKeys
{
    /// <summary>Top-level names, Diffusers → official (prefixes of <c>.weight</c>/<c>.bias</c>, or whole keys).</summary>
    public static IReadOnlyDictionary<string, string> TopLevel { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["patch_embedding"] = "patch_embedding",
        ["condition_embedder.text_embedder.linear_1"] = "text_embedding.0",
        ["condition_embedder.text_embedder.linear_2"] = "text_embedding.2",
        ["condition_embedder.time_embedder.linear_1"] = "time_embedding.0",
        ["condition_embedder.time_embedder.linear_2"] = "time_embedding.2",
        ["condition_embedder.time_proj"] = "time_projection.1",
        ["proj_out"] = "head.head",
    };

    /// <summary>Names inside <c>blocks.N.</c>, Diffusers → official.</summary>
    public static IReadOnlyDictionary<string, string> InBlock { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["attn1.to_q"] = "self_attn.q",
        ["attn1.to_k"] = "self_attn.k",
        ["attn1.to_v"] = "self_attn.v",
        ["attn1.to_out.0"] = "self_attn.o",
        ["attn1.norm_q"] = "self_attn.norm_q",
        ["attn1.norm_k"] = "self_attn.norm_k",
        ["attn2.to_q"] = "cross_attn.q",
        ["attn2.to_k"] = "cross_attn.k",
        ["attn2.to_v"] = "cross_attn.v",
        ["attn2.to_out.0"] = "cross_attn.o",
        ["attn2.norm_q"] = "cross_attn.norm_q",
        ["attn2.norm_k"] = "cross_attn.norm_k",
        ["norm2"] = "norm3",                 // the affine LayerNorm before cross-attention
        ["ffn.net.0.proj"] = "ffn.0",
        ["ffn.net.2"] = "ffn.2",
    };

    /// <summary>The official key for a Diffusers key (the bare <c>scale_shift_table</c> is <c>head.modulation</c> [1, 2, C],
    /// <c>blocks.N.scale_shift_table</c> is <c>blocks.N.modulation</c> [1, 6, C]); throws a one-line <see cref="WeightFileException"/> naming the key
    /// when it is not in the table (e.g. i2v's <c>add_k_proj</c> / <c>image_embedder</c>, or fused <c>to_qkv</c>).</summary>
    public static string ToOfficial(string key)
    {
        if (key == "scale_shift_table") return "head.modulation";
        var block = BlockKey().Match(key);
        if (block.Success)
        {
            string i = block.Groups[1].Value, rest = block.Groups[2].Value;
            if (rest == "scale_shift_table") return $"blocks.{i}.modulation";
            if (Split(rest) is var (name, suffix) && InBlock.TryGetValue(name, out var official)) return $"blocks.{i}.{official}.{suffix}";
        }
        else if (Split(key) is var (name, suffix) && TopLevel.TryGetValue(name, out var official))
        {
            return $"{official}.{suffix}";
        }
        throw new WeightFileException($"unknown Diffusers transformer key '{key}' (only Wan2.1 text-to-video WanTransformer3DModel names are supported)");
    }

    /// <summary>The Diffusers key for an official key (the table read backwards; for writers and <c>jano inspect</c>).</summary>
    public static string ToDiffusers(string key)
    {
        if (key == "head.modulation") return "scale_shift_table";
        var block = BlockKey().Match(key);
        if (block.Success)
        {
            string i = block.Groups[1].Value, rest = block.Groups[2].Value;
            if (rest == "modulation") return $"blocks.{i}.scale_shift_table";
            if (Split(rest) is var (name, suffix) && InBlock.FirstOrDefault(kv => kv.Value == name).Key is { } d) return $"blocks.{i}.{d}.{suffix}";
        }
        else if (Split(key) is var (name, suffix) && TopLevel.FirstOrDefault(kv => kv.Value == name).Key is { } d)
        {
            return $"{d}.{suffix}";
        }
        throw new WeightFileException($"no Diffusers name for official Wan2.1 key '{key}'");
    }

    // "a.b.weight" → ("a.b", "weight"); only weight/bias suffixes.
    private static (string Name, string Suffix)? Split(string key)
    {
        int dot = key.LastIndexOf('.');
        if (dot <= 0) return null;
        string suffix = key[(dot + 1)..];
        return suffix is "weight" or "bias" ? (key[..dot], suffix) : null;
    }

    [GeneratedRegex(@"^blocks\.(\d+)\.(.+)$")]
    private static partial Regex BlockKey();
}
