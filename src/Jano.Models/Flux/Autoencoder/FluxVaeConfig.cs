using System.Text.Json.Serialization;

namespace Jano.Models.Flux.Autoencoder;

/// <summary>
/// Sizes of FLUX's autoencoder: the official <c>AutoEncoderParams</c> (black-forest-labs/flux 802fb47
/// <c>src/flux/modules/autoencoder.py</c>); <see cref="Flux1"/> is <c>configs["flux-dev"].ae_params</c> (the same
/// <c>ae.safetensors</c> serves dev and schnell). Tiny test configs are made with <c>with</c>.
/// </summary>
public sealed record FluxVaeConfig
{
    /// <summary>The released VAE: 3 → 16 latent channels, 8× downsampling, scale 0.3611, shift 0.1159.</summary>
    public static FluxVaeConfig Flux1 { get; } = new();

    /// <summary>Nominal training resolution (not used by the forward).</summary>
    [JsonPropertyName("resolution")] public int Resolution { get; init; } = 256;
    [JsonPropertyName("in_channels")] public int InChannels { get; init; } = 3;
    /// <summary>Base width; level i has ch · ch_mult[i] channels.</summary>
    [JsonPropertyName("ch")] public int Ch { get; init; } = 128;
    [JsonPropertyName("out_ch")] public int OutCh { get; init; } = 3;
    [JsonPropertyName("ch_mult")] public int[] ChMult { get; init; } = [1, 2, 4, 4];
    [JsonPropertyName("num_res_blocks")] public int NumResBlocks { get; init; } = 2;
    /// <summary>Latent channels (16).</summary>
    [JsonPropertyName("z_channels")] public int ZChannels { get; init; } = 16;
    [JsonPropertyName("scale_factor")] public double ScaleFactor { get; init; } = 0.3611;
    [JsonPropertyName("shift_factor")] public double ShiftFactor { get; init; } = 0.1159;

    /// <summary>Spatial downsampling factor 2^(levels − 1) (8 for the released VAE).</summary>
    [JsonIgnore] public int Downsampling => 1 << (ChMult.Length - 1);

    /// <summary>
    /// The config of an official-layout autoencoder from its tensor shapes (key → shape): base width and input channels from
    /// <c>encoder.conv_in</c>, level widths from each <c>encoder.down.N.block.0.conv1</c>, blocks per level from
    /// <c>encoder.down.0.block.M</c>, latent channels from <c>encoder.conv_out</c> (mean and log-variance), output channels from
    /// <c>decoder.conv_out</c>; scale and shift are FLUX's. Throws <see cref="ArgumentException"/> naming a missing key.
    /// </summary>
    public static FluxVaeConfig FromCheckpointShapes(IReadOnlyDictionary<string, long[]> shapes)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        long[] Shape(string key) => shapes.TryGetValue(key, out var s) ? s : throw new ArgumentException($"FLUX VAE checkpoint has no '{key}'");
        var convIn = Shape("encoder.conv_in.weight");
        int ch = (int)convIn[0];
        int levels = 0;
        while (shapes.ContainsKey($"encoder.down.{levels.ToString(System.Globalization.CultureInfo.InvariantCulture)}.block.0.conv1.weight")) levels++;
        if (levels == 0) throw new ArgumentException("FLUX VAE checkpoint has no 'encoder.down.0.block.0.conv1.weight'");
        var mult = Enumerable.Range(0, levels)
            .Select(i => (int)Shape($"encoder.down.{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}.block.0.conv1.weight")[0] / ch).ToArray();
        int blocks = 0;
        while (shapes.ContainsKey($"encoder.down.0.block.{blocks.ToString(System.Globalization.CultureInfo.InvariantCulture)}.conv1.weight")) blocks++;
        var cfg = new FluxVaeConfig
        {
            InChannels = (int)convIn[1],
            Ch = ch,
            OutCh = (int)Shape("decoder.conv_out.weight")[0],
            ChMult = mult,
            NumResBlocks = blocks,
            ZChannels = (int)Shape("encoder.conv_out.weight")[0] / 2,
        };
        cfg.Validate();
        return cfg;
    }

    /// <summary>Value equality, <see cref="ChMult"/> compared element by element.</summary>
    public bool Equals(FluxVaeConfig? other) =>
        other is not null && Resolution == other.Resolution && InChannels == other.InChannels && Ch == other.Ch && OutCh == other.OutCh
        && ChMult.SequenceEqual(other.ChMult) && NumResBlocks == other.NumResBlocks && ZChannels == other.ZChannels
        && ScaleFactor.Equals(other.ScaleFactor) && ShiftFactor.Equals(other.ShiftFactor);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Ch, ChMult.Length, NumResBlocks, ZChannels);

    /// <summary>Throws <see cref="ArgumentException"/> with an exact message for the first violated invariant.</summary>
    public void Validate()
    {
        if (ChMult is not { Length: > 0 } || ChMult.Any(m => m < 1)) throw new ArgumentException("ch_mult must be a non-empty list of positive multipliers");
        if (Ch < 1 || ChMult.Any(m => Ch * m % 32 != 0)) throw new ArgumentException($"every level width ch · ch_mult ({Ch} · [{string.Join(", ", ChMult)}]) must be a multiple of 32 (GroupNorm(32))");
        if (InChannels < 1 || OutCh < 1 || ZChannels < 1 || NumResBlocks < 1) throw new ArgumentException("in_channels, out_ch, z_channels and num_res_blocks must be positive");
        if (!(ScaleFactor > 0) || !double.IsFinite(ShiftFactor)) throw new ArgumentException("scale_factor must be positive and shift_factor finite");
    }
}
