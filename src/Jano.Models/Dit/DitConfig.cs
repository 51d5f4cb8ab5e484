using System.Text.Json.Serialization;

namespace Jano.Models.Dit;

/// <summary>
/// Sizes of the class-conditional DiT. The block is shaped like Wan2.1's (adaLN modulation with six vectors,
/// self-attention with 3-axis RoPE and qk RMSNorm, cross-attention to condition tokens, GELU-tanh MLP, modulated head),
/// so the Wan port calls the seam at the same places.
/// </summary>
public sealed record DitConfig
{
    [JsonPropertyName("in_channels")] public int InChannels { get; init; } = 1;
    [JsonPropertyName("out_channels")] public int OutChannels { get; init; } = 1;
    /// <summary>Patch size (pt, ph, pw) on the latent grid.</summary>
    [JsonPropertyName("patch")] public int[] Patch { get; init; } = [1, 2, 2];
    [JsonPropertyName("dim")] public int Dim { get; init; } = 256;
    [JsonPropertyName("ffn_dim")] public int FfnDim { get; init; } = 1024;
    [JsonPropertyName("freq_dim")] public int FreqDim { get; init; } = 256;
    [JsonPropertyName("num_heads")] public int NumHeads { get; init; } = 4;
    [JsonPropertyName("num_layers")] public int NumLayers { get; init; } = 8;
    /// <summary>Number of classes; id <c>NumClasses</c> is the null (unconditional) class.</summary>
    [JsonPropertyName("num_classes")] public int NumClasses { get; init; } = 10;
    /// <summary>Condition tokens per class seen by cross-attention.</summary>
    [JsonPropertyName("context_tokens")] public int ContextTokens { get; init; } = 4;
    [JsonPropertyName("text_dim")] public int TextDim { get; init; } = 64;
    [JsonPropertyName("eps")] public double Eps { get; init; } = 1e-6;
    [JsonPropertyName("rope_theta")] public double RopeTheta { get; init; } = 10000.0;

    [JsonIgnore] public (int T, int H, int W) PatchSize => (Patch[0], Patch[1], Patch[2]);

    [JsonIgnore] public int HeadDim => Dim / NumHeads;

    /// <summary>Largest accepted sizes; they keep shape arithmetic far from overflow and allocations sane.</summary>
    public const int MaxDim = 16384, MaxFfnDim = 131072, MaxLayers = 1024, MaxHeads = 1024, MaxClasses = 1 << 20,
        MaxContextTokens = 4096, MaxTextDim = 65536, MaxFreqDim = 16384, MaxChannels = 1024, MaxPatch = 16;

    /// <summary>Throws <see cref="ArgumentException"/> with an exact message for the first violated invariant.</summary>
    public void Validate()
    {
        if (Patch is not { Length: 3 } || Patch.Any(p => p < 1 || p > MaxPatch)) throw new ArgumentException($"patch must be three integers between 1 and {MaxPatch} (pt, ph, pw)");
        if (InChannels < 1 || OutChannels < 1) throw new ArgumentException("in_channels and out_channels must be positive");
        Range("in_channels", InChannels, MaxChannels);
        Range("out_channels", OutChannels, MaxChannels);
        Range("dim", Dim, MaxDim);
        Range("ffn_dim", FfnDim, MaxFfnDim);
        Range("freq_dim", FreqDim, MaxFreqDim);
        Range("num_heads", NumHeads, MaxHeads);
        Range("num_layers", NumLayers, MaxLayers);
        Range("num_classes", NumClasses, MaxClasses);
        Range("context_tokens", ContextTokens, MaxContextTokens);
        Range("text_dim", TextDim, MaxTextDim);
        if (!(Eps > 0 && Eps < 1)) throw new ArgumentException($"eps ({Eps.ToString(System.Globalization.CultureInfo.InvariantCulture)}) must be in (0, 1)");
        if (!(RopeTheta > 1 && RopeTheta <= 1e9)) throw new ArgumentException($"rope_theta ({RopeTheta.ToString(System.Globalization.CultureInfo.InvariantCulture)}) must be in (1, 1e9]");
        if (Dim % NumHeads != 0) throw new ArgumentException($"dim ({Dim}) must be divisible by num_heads ({NumHeads})");
        if (HeadDim % 2 != 0 || HeadDim < 6) throw new ArgumentException($"head dim ({HeadDim}) must be even and at least 6 for 3-axis RoPE");
        if (FreqDim % 2 != 0 || FreqDim < 2) throw new ArgumentException($"freq_dim ({FreqDim}) must be even");
    }

    private static void Range(string name, int value, int max)
    {
        if (value < 1 || value > max) throw new ArgumentException($"{name} ({value}) must be between 1 and {max}");
    }
}
