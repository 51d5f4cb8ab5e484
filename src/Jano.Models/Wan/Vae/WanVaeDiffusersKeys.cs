using System.Globalization;
using System.Text.RegularExpressions;
using Jano.Core.Weights;

namespace Jano.Models.Wan.Vae;

/// <summary>
/// The Diffusers names of the Wan2.1 VAE (<c>AutoencoderKLWan</c>, a Diffusers folder's <c>vae/</c>) and the official names
/// (<c>wan/modules/vae.py</c>, = <see cref="WanVae"/>'s state_dict keys), as diffusers' <c>convert_wan_to_diffusers.py</c>
/// maps them for the released structure (4 stages, 2 residual blocks): same tensors and shapes, renamed. The encoder's
/// <c>downsamples.N</c> keep their index (<c>down_blocks.N</c>); the decoder's <c>upsamples.N</c> are grouped per stage
/// (<c>up_blocks.b.resnets.r</c> = <c>upsamples.4b + r</c>, <c>up_blocks.b.upsamplers.0</c> = <c>upsamples.4b + 3</c>);
/// residual blocks name their layers (<c>residual.0/2/3/6</c> = <c>norm1/conv1/norm2/conv2</c>, <c>shortcut</c> =
/// <c>conv_shortcut</c>); the middle blocks are <c>mid_block.resnets.0/1</c> and <c>mid_block.attentions.0</c>; the heads
/// <c>norm_out</c>/<c>conv_out</c>; <c>conv1</c>/<c>conv2</c> are <c>quant_conv</c>/<c>post_quant_conv</c>.
/// </summary>
public static partial class WanVaeDiffusersKeys
{
    /// <summary>Decoder entries per up-block: 2 residual blocks + 1, then the up-sampler.</summary>
    public const int DecoderStride = 4;

    /// <summary>Whole-name renames, Diffusers → official.</summary>
    public static IReadOnlyDictionary<string, string> Fixed { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["quant_conv"] = "conv1",
        ["post_quant_conv"] = "conv2",
        ["encoder.conv_in"] = "encoder.conv1",
        ["decoder.conv_in"] = "decoder.conv1",
        ["encoder.norm_out"] = "encoder.head.0",
        ["encoder.conv_out"] = "encoder.head.2",
        ["decoder.norm_out"] = "decoder.head.0",
        ["decoder.conv_out"] = "decoder.head.2",
    };

    /// <summary>Prefixes kept with their sub-names (the middle attention blocks: norm, to_qkv, proj), Diffusers → official.</summary>
    public static IReadOnlyDictionary<string, string> Prefixes { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["encoder.mid_block.attentions.0."] = "encoder.middle.1.",
        ["decoder.mid_block.attentions.0."] = "decoder.middle.1.",
    };

    /// <summary>Layers of a residual block, Diffusers → official.</summary>
    public static IReadOnlyDictionary<string, string> Residual { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["norm1"] = "residual.0",
        ["conv1"] = "residual.2",
        ["norm2"] = "residual.3",
        ["conv2"] = "residual.6",
        ["conv_shortcut"] = "shortcut",
    };

    /// <summary>The official key for a Diffusers VAE key; a one-line <see cref="WeightFileException"/> for an unknown one.</summary>
    public static string ToOfficial(string key)
    {
        foreach (var (from, to) in Prefixes)
            if (key.StartsWith(from, StringComparison.Ordinal)) return to + key[from.Length..];
        int dot = key.LastIndexOf('.');
        if (dot > 0)
        {
            string module = key[..dot], param = key[(dot + 1)..];
            if (Fixed.TryGetValue(module, out var f)) return $"{f}.{param}";
            var m = MidResnet().Match(module);
            if (m.Success && Residual.TryGetValue(m.Groups[3].Value, out var r))
                return $"{m.Groups[1].Value}.middle.{2 * int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)}.{r}.{param}"; // resnets.0/1 = middle.0/2
            m = EncoderBlock().Match(module);
            if (m.Success)
            {
                string rest = m.Groups[2].Value;
                if (Residual.TryGetValue(rest, out r)) return $"encoder.downsamples.{m.Groups[1].Value}.{r}.{param}";
                if (IsResample(rest)) return $"encoder.downsamples.{m.Groups[1].Value}.{rest}.{param}";
            }
            m = DecoderResnet().Match(module);
            if (m.Success && Residual.TryGetValue(m.Groups[3].Value, out r))
                return $"decoder.upsamples.{DecoderStride * int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)}.{r}.{param}";
            m = DecoderUpsampler().Match(module);
            if (m.Success && IsResample(m.Groups[2].Value))
                return $"decoder.upsamples.{DecoderStride * int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + DecoderStride - 1}.{m.Groups[2].Value}.{param}";
        }
        throw new WeightFileException($"unknown Diffusers VAE key '{key}' (only the Wan2.1 AutoencoderKLWan names are supported)");
    }

    private static bool IsResample(string rest) => rest is "resample.1" or "time_conv";

    [GeneratedRegex(@"^(encoder|decoder)\.mid_block\.resnets\.(\d+)\.(\w+)$")]
    private static partial Regex MidResnet();

    [GeneratedRegex(@"^encoder\.down_blocks\.(\d+)\.(.+)$")]
    private static partial Regex EncoderBlock();

    [GeneratedRegex(@"^decoder\.up_blocks\.(\d+)\.resnets\.(\d+)\.(\w+)$")]
    private static partial Regex DecoderResnet();

    [GeneratedRegex(@"^decoder\.up_blocks\.(\d+)\.upsamplers\.0\.(.+)$")]
    private static partial Regex DecoderUpsampler();
}
