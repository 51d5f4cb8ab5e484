using System.Text.Json.Serialization;

namespace Jano.Models.Wan.TextEncoder;

/// <summary>
/// Sizes of Wan's T5 text encoder (the arguments of the official <c>T5Encoder.__init__</c> in <c>wan/modules/t5.py</c>).
/// <see cref="Xxl"/> is <c>umt5_xxl(encoder_only=True)</c>, the encoder of <c>models_t5_umt5-xxl-enc-bf16.pth</c>.
/// </summary>
public sealed record UmT5Config
{
    /// <summary>umT5-XXL encoder as Wan2.1 uses it: vocab 256384, dim 4096, ffn 10240, 64 heads, 24 layers, 32 buckets, per-layer position embeddings.</summary>
    public static UmT5Config Xxl { get; } = new()
    {
        Vocab = 256384, Dim = 4096, DimAttn = 4096, DimFfn = 10240, NumHeads = 64, NumLayers = 24, NumBuckets = 32, SharedPos = false,
    };

    /// <summary>A tiny encoder for tests (vocab 64, dim 32, ffn 48, 2 heads, 2 layers, 32 buckets, per-layer position embeddings).</summary>
    public static UmT5Config Tiny { get; } = new()
    {
        Vocab = 64, Dim = 32, DimAttn = 32, DimFfn = 48, NumHeads = 2, NumLayers = 2, NumBuckets = 32, SharedPos = false,
    };

    /// <summary>Vocabulary size (rows of <c>token_embedding</c>).</summary>
    [JsonPropertyName("vocab")] public int Vocab { get; init; } = 256384;
    /// <summary>Model width.</summary>
    [JsonPropertyName("dim")] public int Dim { get; init; } = 4096;
    /// <summary>Width of q/k/v (all heads together).</summary>
    [JsonPropertyName("dim_attn")] public int DimAttn { get; init; } = 4096;
    /// <summary>Hidden width of the gated-GELU feed-forward.</summary>
    [JsonPropertyName("dim_ffn")] public int DimFfn { get; init; } = 10240;
    /// <summary>Attention heads.</summary>
    [JsonPropertyName("num_heads")] public int NumHeads { get; init; } = 64;
    /// <summary>Encoder blocks.</summary>
    [JsonPropertyName("num_layers")] public int NumLayers { get; init; } = 24;
    /// <summary>Relative-position buckets.</summary>
    [JsonPropertyName("num_buckets")] public int NumBuckets { get; init; } = 32;
    /// <summary>One relative-position table for all blocks (<c>pos_embedding</c>, T5) instead of one per block (<c>blocks.N.pos_embedding</c>, umT5).</summary>
    [JsonPropertyName("shared_pos")] public bool SharedPos { get; init; }
    /// <summary>Largest relative distance told apart by the buckets (the official default 128).</summary>
    [JsonPropertyName("max_dist")] public int MaxDist { get; init; } = 128;
    /// <summary>Epsilon of the T5 RMS layer norm (the official default 1e-6).</summary>
    [JsonPropertyName("eps")] public double Eps { get; init; } = 1e-6;

    /// <summary>Width of one head.</summary>
    [JsonIgnore] public int HeadDim => DimAttn / NumHeads;

    /// <summary>Largest accepted sizes (umT5-XXL: vocab 256384, dim 4096, ffn 10240, 64 heads, 24 layers, 32 buckets).</summary>
    public const int MaxVocab = 1 << 20, MaxDim = 16384, MaxFfnDim = 131072, MaxHeads = 1024, MaxLayers = 1024, MaxBuckets = 1024, MaxDistance = 1 << 20;

    /// <summary>Throws <see cref="ArgumentException"/> with an exact message for the first violated invariant.</summary>
    public void Validate()
    {
        Range("vocab", Vocab, MaxVocab);
        Range("dim", Dim, MaxDim);
        Range("dim_attn", DimAttn, MaxDim);
        Range("dim_ffn", DimFfn, MaxFfnDim);
        Range("num_heads", NumHeads, MaxHeads);
        Range("num_layers", NumLayers, MaxLayers);
        Range("num_buckets", NumBuckets, MaxBuckets);
        Range("max_dist", MaxDist, MaxDistance);
        if (!(Eps > 0 && Eps < 1)) throw new ArgumentException($"eps ({Eps.ToString(System.Globalization.CultureInfo.InvariantCulture)}) must be in (0, 1)");
        if (DimAttn % NumHeads != 0) throw new ArgumentException($"dim_attn ({DimAttn}) must be divisible by num_heads ({NumHeads})");
        if (NumBuckets < 4 || NumBuckets % 2 != 0) throw new ArgumentException($"num_buckets ({NumBuckets}) must be even and at least 4");
        if (MaxDist <= NumBuckets / 4) throw new ArgumentException($"max_dist ({MaxDist}) must exceed num_buckets / 4");
    }

    private static void Range(string name, int value, int max)
    {
        if (value < 1 || value > max) throw new ArgumentException($"{name} ({value}) must be between 1 and {max}");
    }
}
