using System.Text.Json;
using Jano.Models.Wan.TextEncoder;

namespace Jano.Models.Flux.TextEncoders;

/// <summary>
/// FLUX's T5 v1.1-XXL encoder as a <see cref="UmT5Config"/>: the same encoder math as Wan's umT5 (<see cref="UmT5Encoder"/>:
/// T5 RMS norms, unscaled attention with a relative-position bias, gated tanh-GELU feed-forward), with one relative-position
/// table shared by all blocks (<see cref="UmT5Config.SharedPos"/>, Hugging Face's block-0 <c>relative_attention_bias</c>).
/// </summary>
public static class T5EncoderConfig
{
    /// <summary>google/t5-v1_1-xxl's encoder: vocab 32128, d_model 4096, d_ff 10240, 64 heads of 64, 24 layers, 32 buckets
    /// (max distance 128), shared position bias.</summary>
    public static UmT5Config Xxl { get; } = new()
    {
        Vocab = 32128, Dim = 4096, DimAttn = 4096, DimFfn = 10240, NumHeads = 64, NumLayers = 24, NumBuckets = 32, MaxDist = 128,
        SharedPos = true,
    };

    /// <summary>Reads a Hugging Face <c>T5Config</c> JSON (<c>vocab_size</c>, <c>d_model</c>, <c>d_kv</c>, <c>d_ff</c>,
    /// <c>num_heads</c>, <c>num_layers</c>, <c>relative_attention_num_buckets</c>, <c>relative_attention_max_distance</c>,
    /// <c>layer_norm_epsilon</c>); <c>feed_forward_proj</c> must be <c>gated-gelu</c> (T5 v1.1).</summary>
    public static UmT5Config Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        if (r.ValueKind != JsonValueKind.Object) throw new ArgumentException("T5 config.json is not a JSON object");
        int Int(string key, int? fallback = null) => r.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)
            ? i : fallback ?? throw new ArgumentException($"T5 config.json: '{key}' is missing or not an integer");
        string ffn = r.TryGetProperty("feed_forward_proj", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : "relu";
        if (ffn != "gated-gelu")
            throw new ArgumentException($"T5 config.json: feed_forward_proj '{ffn}' is not supported (T5 v1.1 uses gated-gelu)");
        var cfg = new UmT5Config
        {
            Vocab = Int("vocab_size"),
            Dim = Int("d_model"),
            DimAttn = Int("num_heads") * Int("d_kv"),
            DimFfn = Int("d_ff"),
            NumHeads = Int("num_heads"),
            NumLayers = Int("num_layers"),
            NumBuckets = Int("relative_attention_num_buckets", 32),
            MaxDist = Int("relative_attention_max_distance", 128),
            Eps = r.TryGetProperty("layer_norm_epsilon", out var e) && e.ValueKind == JsonValueKind.Number ? e.GetDouble() : 1e-6,
            SharedPos = true,
        };
        cfg.Validate();
        return cfg;
    }
}
