using System.Text.RegularExpressions;
using Jano.Core.Weights;

namespace Jano.Models.Wan.TextEncoder;

/// <summary>
/// The Hugging Face <c>UMT5EncoderModel</c> names (a Diffusers folder's <c>text_encoder/</c>) and the official umT5 names
/// (<c>wan/modules/t5.py</c>, = <see cref="UmT5Encoder"/>'s state_dict keys). Same tensors and shapes; umT5 has its own
/// relative-position table in every block (HF <c>relative_attention_bias</c> [buckets, heads]). The gated FFN
/// <c>wo(gelu(wi_0 x) · wi_1 x)</c> is the official <c>fc2(fc1(x) · gate(x))</c>: wi_0 = gate.0, wi_1 = fc1, wo = fc2.
/// </summary>
public static partial class UmT5HfKeys
{
    /// <summary>Top-level names, HF → official.</summary>
    public static IReadOnlyDictionary<string, string> TopLevel { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["shared.weight"] = "token_embedding.weight",
        ["encoder.final_layer_norm.weight"] = "norm.weight",
    };

    /// <summary>Names inside <c>encoder.block.N.</c> (HF) / <c>blocks.N.</c> (official).</summary>
    public static IReadOnlyDictionary<string, string> InBlock { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["layer.0.layer_norm.weight"] = "norm1.weight",
        ["layer.0.SelfAttention.q.weight"] = "attn.q.weight",
        ["layer.0.SelfAttention.k.weight"] = "attn.k.weight",
        ["layer.0.SelfAttention.v.weight"] = "attn.v.weight",
        ["layer.0.SelfAttention.o.weight"] = "attn.o.weight",
        ["layer.0.SelfAttention.relative_attention_bias.weight"] = "pos_embedding.embedding.weight",
        ["layer.1.layer_norm.weight"] = "norm2.weight",
        ["layer.1.DenseReluDense.wi_0.weight"] = "ffn.gate.0.weight",
        ["layer.1.DenseReluDense.wi_1.weight"] = "ffn.fc1.weight",
        ["layer.1.DenseReluDense.wo.weight"] = "ffn.fc2.weight",
    };

    /// <summary>The input embedding's tied copy (<c>encoder.embed_tokens.weight</c> = <c>shared.weight</c>), skipped when
    /// <c>shared.weight</c> is present too.</summary>
    public const string TiedEmbedding = "encoder.embed_tokens.weight";

    /// <summary>The official key for an HF key; throws a one-line <see cref="WeightFileException"/> naming an unknown key.</summary>
    public static string ToOfficial(string key)
    {
        if (TopLevel.TryGetValue(key, out var top)) return top;
        if (key == TiedEmbedding) return "token_embedding.weight";
        var m = BlockKey().Match(key);
        if (m.Success && InBlock.TryGetValue(m.Groups[2].Value, out var inner)) return $"blocks.{m.Groups[1].Value}.{inner}";
        throw new WeightFileException($"unknown UMT5EncoderModel key '{key}' (only the umT5 encoder's names are supported)");
    }

    /// <summary>The HF key for an official key (the table read backwards).</summary>
    public static string ToHf(string key)
    {
        var top = TopLevel.FirstOrDefault(kv => kv.Value == key).Key;
        if (top is not null) return top;
        var m = OfficialBlockKey().Match(key);
        if (m.Success && InBlock.FirstOrDefault(kv => kv.Value == m.Groups[2].Value).Key is { } inner) return $"encoder.block.{m.Groups[1].Value}.{inner}";
        throw new WeightFileException($"no UMT5EncoderModel name for official umT5 key '{key}'");
    }

    [GeneratedRegex(@"^encoder\.block\.(\d+)\.(.+)$")]
    private static partial Regex BlockKey();

    [GeneratedRegex(@"^blocks\.(\d+)\.(.+)$")]
    private static partial Regex OfficialBlockKey();
}
