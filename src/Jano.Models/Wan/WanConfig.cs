using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Jano.Models.Wan;

/// <summary>
/// Sizes of a Wan2.1 text-to-video DiT (the arguments of the official <c>WanModel.__init__</c>, <c>model_type='t2v'</c>).
/// The presets are the released checkpoints' configs (<c>wan/configs/wan_t2v_1_3B.py</c>, <c>wan_t2v_14B.py</c>).
/// </summary>
public sealed record WanConfig
{
    /// <summary>Wan2.1-T2V-1.3B.</summary>
    [SuppressMessage("Naming", "CA1707:Identifiers should not contain underscores", Justification = "named like the official config t2v_1_3B / t2v_14B; the underscore stands for the dot in 1.3B")]
    public static WanConfig T2V_1_3B { get; } = new()
    {
        Dim = 1536, FfnDim = 8960, FreqDim = 256, NumHeads = 12, NumLayers = 30,
    };

    /// <summary>Wan2.1-T2V-14B.</summary>
    [SuppressMessage("Naming", "CA1707:Identifiers should not contain underscores", Justification = "named like the official config t2v_1_3B / t2v_14B; the underscore stands for the dot in 1.3B")]
    public static WanConfig T2V_14B { get; } = new()
    {
        Dim = 5120, FfnDim = 13824, FreqDim = 256, NumHeads = 40, NumLayers = 40,
    };

    /// <summary>Patch size (pt, ph, pw) on the latent grid.</summary>
    [JsonPropertyName("patch_size")] public int[] PatchSize { get; init; } = [1, 2, 2];
    /// <summary>Text tokens after zero padding (T5 context length).</summary>
    [JsonPropertyName("text_len")] public int TextLen { get; init; } = 512;
    /// <summary>Latent channels in (C_in).</summary>
    [JsonPropertyName("in_dim")] public int InDim { get; init; } = 16;
    [JsonPropertyName("dim")] public int Dim { get; init; } = 1536;
    [JsonPropertyName("ffn_dim")] public int FfnDim { get; init; } = 8960;
    /// <summary>Width of the sinusoidal timestep embedding.</summary>
    [JsonPropertyName("freq_dim")] public int FreqDim { get; init; } = 256;
    /// <summary>Width of the text encoder's embeddings (umT5-XXL: 4096).</summary>
    [JsonPropertyName("text_dim")] public int TextDim { get; init; } = 4096;
    /// <summary>Latent channels out (C_out).</summary>
    [JsonPropertyName("out_dim")] public int OutDim { get; init; } = 16;
    [JsonPropertyName("num_heads")] public int NumHeads { get; init; } = 12;
    [JsonPropertyName("num_layers")] public int NumLayers { get; init; } = 30;
    /// <summary>RMS norm of q and k (over the full width). Only <c>true</c> (the released models) is supported.</summary>
    [JsonPropertyName("qk_norm")] public bool QkNorm { get; init; } = true;
    /// <summary>Affine LayerNorm before cross-attention (<c>norm3</c>). Only <c>true</c> (the released models) is supported.</summary>
    [JsonPropertyName("cross_attn_norm")] public bool CrossAttnNorm { get; init; } = true;
    [JsonPropertyName("eps")] public double Eps { get; init; } = 1e-6;
    /// <summary>RoPE base θ (the official code hard-codes 10000).</summary>
    [JsonPropertyName("rope_theta")] public double RopeTheta { get; init; } = 10000.0;

    [JsonIgnore] public (int T, int H, int W) Patch => (PatchSize[0], PatchSize[1], PatchSize[2]);

    [JsonIgnore] public int HeadDim => Dim / NumHeads;

    /// <summary>Values per token produced by the head: C_out · pt · ph · pw.</summary>
    [JsonIgnore] public int HeadOutDim => OutDim * PatchSize[0] * PatchSize[1] * PatchSize[2];

    /// <summary>Throws <see cref="ArgumentException"/> with an exact message for the first violated invariant.</summary>
    public void Validate()
    {
        if (PatchSize is not { Length: 3 } || PatchSize.Any(p => p < 1)) throw new ArgumentException("patch_size must be three positive integers (pt, ph, pw)");
        if (InDim < 1 || OutDim < 1) throw new ArgumentException("in_dim and out_dim must be positive");
        if (NumHeads < 1 || Dim % NumHeads != 0) throw new ArgumentException($"dim ({Dim}) must be divisible by num_heads ({NumHeads})");
        if (HeadDim % 2 != 0 || HeadDim < 6) throw new ArgumentException($"head dim ({HeadDim}) must be even and at least 6 for 3-axis RoPE");
        if (FreqDim % 2 != 0 || FreqDim < 2) throw new ArgumentException($"freq_dim ({FreqDim}) must be even");
        if (NumLayers < 1 || FfnDim < 1 || TextDim < 1 || TextLen < 1) throw new ArgumentException("num_layers, ffn_dim, text_dim and text_len must be positive");
        if (!QkNorm) throw new ArgumentException("qk_norm = false is not supported (every released Wan2.1 model uses it)");
        if (!CrossAttnNorm) throw new ArgumentException("cross_attn_norm = false is not supported (every released Wan2.1 model uses it)");
    }
}
