using System.Text.Json;

namespace Jano.Models.Wan;

/// <summary>
/// Reads a Diffusers <c>transformer/config.json</c> (<c>WanTransformer3DModel</c>: <c>num_attention_heads</c>,
/// <c>attention_head_dim</c>, <c>ffn_dim</c>, <c>freq_dim</c>, <c>in_channels</c>, <c>out_channels</c>, <c>num_layers</c>,
/// <c>patch_size</c>, <c>text_dim</c>, <c>eps</c>, <c>qk_norm</c>, <c>cross_attn_norm</c>) into a <see cref="WanConfig"/>
/// (dim = heads · head dim; text_len stays 512, the pipeline's <c>max_sequence_length</c>). Image-conditioned configs
/// (<c>image_dim</c>, <c>added_kv_proj_dim</c>) are refused with one line.
/// </summary>
public static class WanDiffusersConfig
{
    /// <summary>Parses the JSON text; <see cref="ArgumentException"/> with one line when a key is missing or unsupported.</summary>
    public static WanConfig Parse(string json)
    {
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 32 });
        var r = doc.RootElement;
        if (r.ValueKind != JsonValueKind.Object) throw new ArgumentException("transformer/config.json is not a JSON object");
        int Int(string key) => r.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)
            ? i : throw new ArgumentException($"transformer/config.json: '{key}' is missing or not an integer");
        bool Present(string key) => r.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null;
        foreach (var key in new[] { "image_dim", "added_kv_proj_dim" })
            if (Present(key)) throw new ArgumentException($"transformer/config.json: '{key}' is set: image-to-video Wan models are not supported");
        string qkNorm = r.TryGetProperty("qk_norm", out var q) && q.ValueKind == JsonValueKind.String ? q.GetString()! : "";
        if (qkNorm != "rms_norm_across_heads")
            throw new ArgumentException($"transformer/config.json: qk_norm {Jano.Core.ErrorText.Quote(qkNorm)} is not supported (Wan2.1 uses rms_norm_across_heads)");
        bool crossNorm = !r.TryGetProperty("cross_attn_norm", out var cn) || cn.ValueKind == JsonValueKind.True;
        if (!r.TryGetProperty("patch_size", out var p) || p.ValueKind != JsonValueKind.Array || p.GetArrayLength() != 3
            || p.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out _)))
            throw new ArgumentException("transformer/config.json: 'patch_size' must be an array of three integers");
        int[] patch = p.EnumerateArray().Select(e => e.GetInt32()).ToArray();
        double eps = r.TryGetProperty("eps", out var e) && e.ValueKind == JsonValueKind.Number ? e.GetDouble() : 1e-6;
        int heads = Int("num_attention_heads"), headDim = Int("attention_head_dim");
        if (heads < 1 || headDim < 1 || (long)heads * headDim > WanConfig.MaxDim)
            throw new ArgumentException($"transformer/config.json: num_attention_heads x attention_head_dim ({heads} x {headDim}) must be positive and at most {WanConfig.MaxDim}");
        var cfg = new WanConfig
        {
            PatchSize = patch,
            InDim = Int("in_channels"),
            OutDim = Int("out_channels"),
            Dim = heads * headDim,
            FfnDim = Int("ffn_dim"),
            FreqDim = Int("freq_dim"),
            TextDim = Int("text_dim"),
            NumHeads = heads,
            NumLayers = Int("num_layers"),
            QkNorm = true,
            CrossAttnNorm = crossNorm,
            Eps = eps,
        };
        cfg.Validate();
        return cfg;
    }

    /// <summary>Parses <c>transformer/config.json</c> from <paramref name="source"/>; every problem (JSON syntax, a
    /// missing or unsupported key, a size out of range) is one <see cref="InvalidDataException"/> naming the file.</summary>
    public static WanConfig Parse(string json, string source)
    {
        try
        {
            return Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: {Jano.Core.ConfigJson.Describe(e, typeof(WanConfig))}", e);
        }
        catch (ArgumentException e)
        {
            string message = e.Message.StartsWith("transformer/config.json: ", StringComparison.Ordinal) ? e.Message["transformer/config.json: ".Length..] : e.Message;
            throw new InvalidDataException($"{source}: {message}", e);
        }
    }

    /// <summary>The Diffusers config JSON for <paramref name="cfg"/> (for writers and tests).</summary>
    public static string Write(WanConfig cfg) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["_class_name"] = "WanTransformer3DModel",
        ["added_kv_proj_dim"] = null,
        ["attention_head_dim"] = cfg.HeadDim,
        ["cross_attn_norm"] = cfg.CrossAttnNorm,
        ["eps"] = cfg.Eps,
        ["ffn_dim"] = cfg.FfnDim,
        ["freq_dim"] = cfg.FreqDim,
        ["image_dim"] = null,
        ["in_channels"] = cfg.InDim,
        ["num_attention_heads"] = cfg.NumHeads,
        ["num_layers"] = cfg.NumLayers,
        ["out_channels"] = cfg.OutDim,
        ["patch_size"] = cfg.PatchSize,
        ["qk_norm"] = "rms_norm_across_heads",
        ["rope_max_seq_len"] = 1024,
        ["text_dim"] = cfg.TextDim,
    });
}
