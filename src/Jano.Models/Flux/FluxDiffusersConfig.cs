using System.Text.Json;

namespace Jano.Models.Flux;

/// <summary>
/// Reads a Diffusers <c>transformer/config.json</c> (<c>FluxTransformer2DModel</c>: <c>in_channels</c>, <c>out_channels</c>,
/// <c>num_layers</c>, <c>num_single_layers</c>, <c>attention_head_dim</c>, <c>num_attention_heads</c>,
/// <c>joint_attention_dim</c>, <c>pooled_projection_dim</c>, <c>guidance_embeds</c>, <c>axes_dims_rope</c>, <c>patch_size</c>)
/// into a <see cref="FluxConfig"/>: hidden = heads · head dim; out_channels null means in_channels; the Diffusers model's
/// fixed mlp_ratio 4, θ = 10000 and qkv bias; T5 length 512 with guidance (dev), 256 without (schnell), as the official CLI.
/// </summary>
public static class FluxDiffusersConfig
{
    /// <summary>Parses the JSON text; <see cref="ArgumentException"/> with one line when a key is missing or unsupported.</summary>
    public static FluxConfig Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        if (r.ValueKind != JsonValueKind.Object) throw new ArgumentException("transformer/config.json is not a JSON object");
        int Int(string key) => r.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)
            ? i : throw new ArgumentException($"transformer/config.json: '{key}' is missing or not an integer");
        int patch = r.TryGetProperty("patch_size", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt32() : 1;
        if (patch != 1) throw new ArgumentException($"transformer/config.json: patch_size {patch} is not supported (FLUX.1 packs 2x2 outside the model: 1)");
        int inChannels = Int("in_channels");
        int outChannels = r.TryGetProperty("out_channels", out var o) && o.ValueKind == JsonValueKind.Number ? o.GetInt32() : inChannels;
        bool guidance = r.TryGetProperty("guidance_embeds", out var g) && g.ValueKind == JsonValueKind.True;
        int[] axes = r.TryGetProperty("axes_dims_rope", out var a) && a.ValueKind == JsonValueKind.Array
            ? a.EnumerateArray().Select(e => e.GetInt32()).ToArray()
            : [16, 56, 56];
        var cfg = new FluxConfig
        {
            InChannels = inChannels,
            OutChannels = outChannels,
            VecInDim = Int("pooled_projection_dim"),
            ContextInDim = Int("joint_attention_dim"),
            HiddenSize = Int("num_attention_heads") * Int("attention_head_dim"),
            MlpRatio = 4.0,
            NumHeads = Int("num_attention_heads"),
            Depth = Int("num_layers"),
            DepthSingleBlocks = Int("num_single_layers"),
            AxesDim = axes,
            Theta = 10_000,
            QkvBias = true,
            GuidanceEmbed = guidance,
            T5MaxLength = guidance ? 512 : 256,
        };
        cfg.Validate();
        return cfg;
    }

    /// <summary>The Diffusers config JSON for <paramref name="cfg"/> (for writers and tests); needs the Diffusers model's fixed
    /// mlp_ratio 4, θ 10000 and qkv bias.</summary>
    public static string Write(FluxConfig cfg)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        if (cfg.MlpRatio != 4.0 || cfg.Theta != 10_000 || !cfg.QkvBias)
            throw new ArgumentException("a Diffusers FluxTransformer2DModel has mlp_ratio 4, theta 10000 and qkv bias");
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["_class_name"] = "FluxTransformer2DModel",
            ["attention_head_dim"] = cfg.HeadDim,
            ["axes_dims_rope"] = cfg.AxesDim,
            ["guidance_embeds"] = cfg.GuidanceEmbed,
            ["in_channels"] = cfg.InChannels,
            ["joint_attention_dim"] = cfg.ContextInDim,
            ["num_attention_heads"] = cfg.NumHeads,
            ["num_layers"] = cfg.Depth,
            ["num_single_layers"] = cfg.DepthSingleBlocks,
            ["out_channels"] = cfg.OutChannels == cfg.InChannels ? null : cfg.OutChannels,
            ["patch_size"] = 1,
            ["pooled_projection_dim"] = cfg.VecInDim,
        });
    }
}
