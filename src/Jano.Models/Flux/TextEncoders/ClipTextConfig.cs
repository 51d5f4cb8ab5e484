using System.Text.Json;

namespace Jano.Models.Flux.TextEncoders;

/// <summary>
/// Sizes of a CLIP text tower: the fields of Hugging Face's <c>CLIPTextConfig</c> that the forward uses.
/// <see cref="VitLargePatch14"/> is openai/clip-vit-large-patch14's text model, FLUX's pooled-vector encoder.
/// </summary>
public sealed record ClipTextConfig
{
    /// <summary>CLIP ViT-L/14's text tower: vocab 49408, width 768, 12 layers of 12 heads, MLP 3072, 77 positions, quick GELU.</summary>
    public static ClipTextConfig VitLargePatch14 { get; } = new()
    {
        VocabSize = 49408, HiddenSize = 768, IntermediateSize = 3072, NumAttentionHeads = 12, NumHiddenLayers = 12,
    };

    public int VocabSize { get; init; } = 49408;
    public int HiddenSize { get; init; } = 512;
    public int IntermediateSize { get; init; } = 2048;
    public int NumAttentionHeads { get; init; } = 8;
    public int NumHiddenLayers { get; init; } = 12;
    public int MaxPositionEmbeddings { get; init; } = 77;

    /// <summary>"quick_gelu" (x·σ(1.702x), CLIP's) or "gelu" (exact).</summary>
    public string HiddenAct { get; init; } = "quick_gelu";

    public double LayerNormEps { get; init; } = 1e-5;

    /// <summary>Throws <see cref="ArgumentException"/> with an exact message for the first violated invariant.</summary>
    public void Validate()
    {
        if (VocabSize < 1 || HiddenSize < 1 || IntermediateSize < 1 || NumHiddenLayers < 1 || MaxPositionEmbeddings < 1)
            throw new ArgumentException("CLIP text config sizes must be positive");
        if (NumAttentionHeads < 1 || HiddenSize % NumAttentionHeads != 0)
            throw new ArgumentException($"CLIP hidden_size ({HiddenSize}) must be divisible by num_attention_heads ({NumAttentionHeads})");
        if (HiddenAct is not ("quick_gelu" or "gelu")) throw new ArgumentException($"CLIP hidden_act '{HiddenAct}' is not supported (quick_gelu, gelu)");
    }

    /// <summary>Reads a Hugging Face <c>config.json</c> of a <c>CLIPModel</c> (its <c>text_config</c>) or a
    /// <c>CLIPTextModel</c>; missing keys take <c>CLIPTextConfig</c>'s defaults.</summary>
    public static ClipTextConfig Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        if (r.ValueKind != JsonValueKind.Object) throw new ArgumentException("CLIP config.json is not a JSON object");
        if (r.TryGetProperty("text_config", out var text) && text.ValueKind == JsonValueKind.Object) r = text;
        var d = new ClipTextConfig();
        int Int(string key, int fallback) => !r.TryGetProperty(key, out var v) ? fallback
            : v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : throw new ArgumentException($"CLIP config.json: '{key}' is not an integer");
        var cfg = new ClipTextConfig
        {
            VocabSize = Int("vocab_size", d.VocabSize),
            HiddenSize = Int("hidden_size", d.HiddenSize),
            IntermediateSize = Int("intermediate_size", d.IntermediateSize),
            NumAttentionHeads = Int("num_attention_heads", d.NumAttentionHeads),
            NumHiddenLayers = Int("num_hidden_layers", d.NumHiddenLayers),
            MaxPositionEmbeddings = Int("max_position_embeddings", d.MaxPositionEmbeddings),
            HiddenAct = r.TryGetProperty("hidden_act", out var act) && act.ValueKind == JsonValueKind.String ? act.GetString()! : d.HiddenAct,
            LayerNormEps = r.TryGetProperty("layer_norm_eps", out var eps) && eps.ValueKind == JsonValueKind.Number ? eps.GetDouble() : d.LayerNormEps,
        };
        cfg.Validate();
        return cfg;
    }
}
