using System.Text.RegularExpressions;
using Jano.Core.Weights;
using Jano.Models.Wan.TextEncoder;

namespace Jano.Models.Flux.TextEncoders;

/// <summary>
/// Hugging Face T5 v1.1 encoder names (<c>T5EncoderModel</c>: a Diffusers folder's <c>text_encoder_2/</c>; or the encoder half
/// of google/t5-v1_1-xxl's <c>T5ForConditionalGeneration</c>) → the official T5 encoder names of <see cref="UmT5Encoder"/>.
/// The per-block names are <see cref="UmT5HfKeys.InBlock"/>'s; the difference from umT5 is the position bias: only block 0
/// holds <c>relative_attention_bias</c>, which every block shares (official <c>pos_embedding.embedding.weight</c>).
/// </summary>
public static partial class T5HfKeys
{
    /// <summary>Block 0's shared relative-position table.</summary>
    public const string SharedBias = "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight";

    /// <summary>The official key for an HF key; a one-line <see cref="WeightFileException"/> for an unknown key.</summary>
    public static string ToOfficial(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key == SharedBias) return "pos_embedding.embedding.weight";
        if (OtherBias().IsMatch(key)) throw new WeightFileException($"T5 v1.1 key '{key}': only block 0 holds a relative_attention_bias");
        return UmT5HfKeys.ToOfficial(key);
    }

    /// <summary>The HF key for an official key (for writers and tests).</summary>
    public static string ToHf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key == "pos_embedding.embedding.weight" ? SharedBias : UmT5HfKeys.ToHf(key);
    }

    /// <summary>Tensors of a T5 checkpoint the encoder does not use: the decoder and LM head of a full
    /// <c>T5ForConditionalGeneration</c>, and the tied <c>encoder.embed_tokens.weight</c> when <c>shared.weight</c> is there.</summary>
    public static Func<string, bool> Skip(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        bool shared = names.Contains("shared.weight");
        return n => n.StartsWith("decoder.", StringComparison.Ordinal) || n == "lm_head.weight" || (shared && n == UmT5HfKeys.TiedEmbedding);
    }

    [GeneratedRegex(@"^encoder\.block\.\d+\.layer\.0\.SelfAttention\.relative_attention_bias\.weight$")]
    private static partial Regex OtherBias();
}
