using System.Globalization;
using System.Text.Json;
using Jano.Core.Weights;

namespace Jano.Models.Flux.Autoencoder;

/// <summary>
/// The Diffusers <c>AutoencoderKL</c> names (a FLUX Diffusers folder's <c>vae/</c>) mapped onto the official autoencoder keys
/// (= <see cref="FluxAutoEncoder"/>'s state_dict), as diffusers' <c>convert_ldm_vae_checkpoint</c> (huggingface/diffusers
/// 58eb52c <c>src/diffusers/loaders/single_file_utils.py</c>, used by <c>scripts/convert_flux_to_diffusers.py --vae</c>) writes
/// them: <c>down.N.block.M</c> ↔ <c>down_blocks.N.resnets.M</c>, <c>nin_shortcut</c> ↔ <c>conv_shortcut</c>,
/// <c>down.N.downsample</c> ↔ <c>down_blocks.N.downsamplers.0</c>, <c>mid.block_1/2</c> ↔ <c>mid_block.resnets.0/1</c>,
/// <c>mid.attn_1.{norm,q,k,v,proj_out}</c> ↔ <c>mid_block.attentions.0.{group_norm,to_q,to_k,to_v,to_out.0}</c> (1×1 conv
/// weights [C, C, 1, 1] ↔ linear [C, C]), <c>norm_out</c> ↔ <c>conv_norm_out</c>, and the decoder's <c>up.N</c> ↔
/// <c>up_blocks.(L−1−N)</c> (Diffusers counts up blocks from the lowest resolution).
/// </summary>
public static class FluxVaeDiffusersKeys
{
    private static readonly string[] ResnetParts = ["norm1", "conv1", "norm2", "conv2"];
    private static readonly (string Official, string Diffusers)[] AttentionParts =
        [("norm", "group_norm"), ("q", "to_q"), ("k", "to_k"), ("v", "to_v"), ("proj_out", "to_out.0")];

    /// <summary>Every mapping for a VAE of config <paramref name="cfg"/>: model key ← Diffusers tensor.</summary>
    public static IReadOnlyList<TensorMapping> All(FluxVaeConfig cfg)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        var result = new List<TensorMapping>();
        void Pair(string official, string diffusers, bool reshape = false)
        {
            result.Add(new TensorMapping($"{official}.weight", [$"{diffusers}.weight"], ReshapeToTarget: reshape));
            result.Add(TensorMapping.Rename($"{official}.bias", $"{diffusers}.bias"));
        }
        void Resnet(string official, string diffusers, bool shortcut)
        {
            foreach (var part in ResnetParts) Pair($"{official}.{part}", $"{diffusers}.{part}");
            if (shortcut) Pair($"{official}.nin_shortcut", $"{diffusers}.conv_shortcut");
        }
        void Mid(string side)
        {
            Resnet($"{side}.mid.block_1", $"{side}.mid_block.resnets.0", false);
            foreach (var (o, d) in AttentionParts) Pair($"{side}.mid.attn_1.{o}", $"{side}.mid_block.attentions.0.{d}", reshape: o != "norm");
            Resnet($"{side}.mid.block_2", $"{side}.mid_block.resnets.1", false);
        }

        int levels = cfg.ChMult.Length;
        foreach (var side in new[] { "encoder", "decoder" })
        {
            Pair($"{side}.conv_in", $"{side}.conv_in");
            Pair($"{side}.norm_out", $"{side}.conv_norm_out");
            Pair($"{side}.conv_out", $"{side}.conv_out");
            Mid(side);
        }
        for (int i = 0; i < levels; i++)
        {
            int inCh = cfg.Ch * (i == 0 ? 1 : cfg.ChMult[i - 1]), outCh = cfg.Ch * cfg.ChMult[i];
            for (int j = 0; j < cfg.NumResBlocks; j++)
                Resnet(Invariant($"encoder.down.{i}.block.{j}"), Invariant($"encoder.down_blocks.{i}.resnets.{j}"), j == 0 && inCh != outCh);
            if (i != levels - 1) Pair(Invariant($"encoder.down.{i}.downsample.conv"), Invariant($"encoder.down_blocks.{i}.downsamplers.0.conv"));
        }
        int blockIn = cfg.Ch * cfg.ChMult[^1];
        for (int i = levels - 1; i >= 0; i--)
        {
            int outCh = cfg.Ch * cfg.ChMult[i], d = levels - 1 - i;
            for (int j = 0; j <= cfg.NumResBlocks; j++)
                Resnet(Invariant($"decoder.up.{i}.block.{j}"), Invariant($"decoder.up_blocks.{d}.resnets.{j}"), j == 0 && blockIn != outCh);
            if (i != 0) Pair(Invariant($"decoder.up.{i}.upsample.conv"), Invariant($"decoder.up_blocks.{d}.upsamplers.0.conv"));
            blockIn = outCh;
        }
        return result;
    }

    /// <summary>Shape of a mapping's Diffusers tensor for the model tensor shape <paramref name="target"/> (1×1 convs drop
    /// their trailing 1s).</summary>
    public static long[] SourceShape(TensorMapping mapping, long[] target)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        ArgumentNullException.ThrowIfNull(target);
        return mapping.ReshapeToTarget ? target.Take(2).ToArray() : target;
    }

    /// <summary>Reads a Diffusers <c>vae/config.json</c> (<c>AutoencoderKL</c>: <c>in_channels</c>, <c>out_channels</c>,
    /// <c>block_out_channels</c>, <c>layers_per_block</c>, <c>latent_channels</c>, <c>scaling_factor</c>, <c>shift_factor</c>);
    /// quant convs must be off, as in FLUX's VAE.</summary>
    public static FluxVaeConfig ParseConfig(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        if (r.ValueKind != JsonValueKind.Object) throw new ArgumentException("vae/config.json is not a JSON object");
        int Int(string key) => r.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)
            ? i : throw new ArgumentException($"vae/config.json: '{key}' is missing or not an integer");
        double Num(string key) => r.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number
            ? v.GetDouble() : throw new ArgumentException($"vae/config.json: '{key}' is missing or not a number");
        foreach (var key in new[] { "use_quant_conv", "use_post_quant_conv" })
            if (r.TryGetProperty(key, out var q) && q.ValueKind == JsonValueKind.True)
                throw new ArgumentException($"vae/config.json: '{key}' is true; FLUX's VAE has no quant convs");
        var widths = r.TryGetProperty("block_out_channels", out var b) && b.ValueKind == JsonValueKind.Array
            ? b.EnumerateArray().Select(e => e.GetInt32()).ToArray()
            : throw new ArgumentException("vae/config.json: 'block_out_channels' is missing");
        if (widths.Length == 0 || widths.Any(w => w % widths[0] != 0))
            throw new ArgumentException("vae/config.json: 'block_out_channels' must be multiples of the first width");
        var cfg = new FluxVaeConfig
        {
            InChannels = Int("in_channels"),
            OutCh = Int("out_channels"),
            Ch = widths[0],
            ChMult = widths.Select(w => w / widths[0]).ToArray(),
            NumResBlocks = Int("layers_per_block"),
            ZChannels = Int("latent_channels"),
            ScaleFactor = Num("scaling_factor"),
            ShiftFactor = Num("shift_factor"),
        };
        cfg.Validate();
        return cfg;
    }

    /// <summary>The Diffusers VAE config JSON for <paramref name="cfg"/> (for writers and tests).</summary>
    public static string WriteConfig(FluxVaeConfig cfg)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["_class_name"] = "AutoencoderKL",
            ["in_channels"] = cfg.InChannels,
            ["out_channels"] = cfg.OutCh,
            ["block_out_channels"] = cfg.ChMult.Select(m => m * cfg.Ch).ToArray(),
            ["layers_per_block"] = cfg.NumResBlocks,
            ["latent_channels"] = cfg.ZChannels,
            ["scaling_factor"] = cfg.ScaleFactor,
            ["shift_factor"] = cfg.ShiftFactor,
            ["use_quant_conv"] = false,
            ["use_post_quant_conv"] = false,
        });
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
