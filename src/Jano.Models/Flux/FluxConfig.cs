using System.Globalization;
using System.Text.Json.Serialization;

namespace Jano.Models.Flux;

/// <summary>
/// Sizes of a FLUX.1 flow transformer: the fields of the official <c>FluxParams</c> (black-forest-labs/flux
/// <c>src/flux/model.py</c> at commit 802fb47), JSON names as there. <see cref="Dev"/> and <see cref="Schnell"/> are the
/// released 12B models (<c>src/flux/util.py</c> <c>configs["flux-dev"]</c>, <c>["flux-schnell"]</c>); tiny test configs are
/// made from the same record with <c>with</c>. <see cref="Validate"/> applies the official constructor's checks
/// (hidden size divisible by the heads, Σ axes_dim = head dim) and a few this port relies on.
/// </summary>
public sealed record FluxConfig
{
    /// <summary>FLUX.1-dev: 19 double-stream and 38 single-stream blocks of width 3072 (24 heads of 128), guidance embedding,
    /// T5 sequence length 512 (the official CLI's <c>max_length</c> for dev).</summary>
    public static FluxConfig Dev { get; } = new();

    /// <summary>FLUX.1-schnell: FLUX.1-dev without the guidance embedding; T5 sequence length 256.</summary>
    public static FluxConfig Schnell { get; } = new() { GuidanceEmbed = false, T5MaxLength = 256 };

    /// <summary>Packed image channels in: latent channels × 2 × 2 (16 × 4 = 64).</summary>
    [JsonPropertyName("in_channels")] public int InChannels { get; init; } = 64;

    /// <summary>Packed channels out (64).</summary>
    [JsonPropertyName("out_channels")] public int OutChannels { get; init; } = 64;

    /// <summary>Width of the pooled text vector (CLIP-L: 768).</summary>
    [JsonPropertyName("vec_in_dim")] public int VecInDim { get; init; } = 768;

    /// <summary>Width of the text token embeddings (T5-XXL: 4096).</summary>
    [JsonPropertyName("context_in_dim")] public int ContextInDim { get; init; } = 4096;

    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; } = 3072;

    /// <summary>MLP hidden width = ⌊hidden_size · mlp_ratio⌋ (Python's <c>int()</c>).</summary>
    [JsonPropertyName("mlp_ratio")] public double MlpRatio { get; init; } = 4.0;

    [JsonPropertyName("num_heads")] public int NumHeads { get; init; } = 24;

    /// <summary>Double-stream blocks.</summary>
    [JsonPropertyName("depth")] public int Depth { get; init; } = 19;

    /// <summary>Single-stream blocks.</summary>
    [JsonPropertyName("depth_single_blocks")] public int DepthSingleBlocks { get; init; } = 38;

    /// <summary>RoPE widths per id axis (0: unused/text, 1: rows, 2: columns); their sum is the head dim.</summary>
    [JsonPropertyName("axes_dim")] public int[] AxesDim { get; init; } = [16, 56, 56];

    /// <summary>RoPE base θ.</summary>
    [JsonPropertyName("theta")] public int Theta { get; init; } = 10_000;

    /// <summary>Bias on the double blocks' qkv projections.</summary>
    [JsonPropertyName("qkv_bias")] public bool QkvBias { get; init; } = true;

    /// <summary>Guidance-distilled model (dev): <c>guidance_in</c> embeds the guidance strength into <c>vec</c>.</summary>
    [JsonPropertyName("guidance_embed")] public bool GuidanceEmbed { get; init; } = true;

    /// <summary>Not a <c>FluxParams</c> field: the T5 sequence length the official CLI uses with this model
    /// (<c>max_length=256 if name == "flux-schnell" else 512</c>); the text tokens the transformer sees.</summary>
    [JsonPropertyName("t5_max_length")] public int T5MaxLength { get; init; } = 512;

    /// <summary>Width of one head.</summary>
    [JsonIgnore] public int HeadDim => HiddenSize / NumHeads;

    /// <summary>MLP hidden width, <c>int(hidden_size * mlp_ratio)</c>.</summary>
    [JsonIgnore] public int MlpHiddenDim => (int)(HiddenSize * MlpRatio);

    /// <summary>Latent channels of the VAE the model works on (<see cref="InChannels"/> / 4).</summary>
    [JsonIgnore] public int LatentChannels => InChannels / 4;

    /// <summary>All blocks that run attention: double then single (the layer indices the seam sees).</summary>
    [JsonIgnore] public int TotalBlocks => Depth + DepthSingleBlocks;

    /// <summary>
    /// The config of an official-layout checkpoint from its tensor shapes (key → shape): widths from <c>img_in</c>,
    /// <c>txt_in</c>, <c>vector_in</c> and <c>final_layer.linear</c>; head dim from the QK-norm scales; MLP ratio from
    /// <c>img_mlp.0</c>; block counts from the highest block indices; guidance and qkv bias from the keys' presence. RoPE axes
    /// are the released [16, 56, 56] (head dim 128 only; other head dims need an explicit config), θ 10000; T5 length 512 with
    /// guidance, 256 without. Throws <see cref="ArgumentException"/> naming a missing key.
    /// </summary>
    public static FluxConfig FromCheckpointShapes(IReadOnlyDictionary<string, long[]> shapes)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        long[] Shape(string key) => shapes.TryGetValue(key, out var s) ? s : throw new ArgumentException($"FLUX checkpoint has no '{key}'");
        int Count(string prefix) => shapes.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Select(k => k[prefix.Length..].Split('.')[0]).Select(n => int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i + 1 : 0)
            .DefaultIfEmpty(0).Max();
        var imgIn = Shape("img_in.weight");
        int hidden = (int)imgIn[0];
        int headDim = (int)Shape("double_blocks.0.img_attn.norm.query_norm.scale")[0];
        if (headDim != 128) throw new ArgumentException($"FLUX checkpoint has head dim {headDim}: its RoPE axes are unknown, give a config.json");
        bool guidance = shapes.ContainsKey("guidance_in.in_layer.weight");
        var cfg = new FluxConfig
        {
            InChannels = (int)imgIn[1],
            OutChannels = (int)Shape("final_layer.linear.weight")[0],
            VecInDim = (int)Shape("vector_in.in_layer.weight")[1],
            ContextInDim = (int)Shape("txt_in.weight")[1],
            HiddenSize = hidden,
            MlpRatio = (double)Shape("double_blocks.0.img_mlp.0.weight")[0] / hidden,
            NumHeads = hidden / headDim,
            Depth = Count("double_blocks."),
            DepthSingleBlocks = Count("single_blocks."),
            AxesDim = [16, 56, 56],
            Theta = 10_000,
            QkvBias = shapes.ContainsKey("double_blocks.0.img_attn.qkv.bias"),
            GuidanceEmbed = guidance,
            T5MaxLength = guidance ? 512 : 256,
        };
        cfg.Validate();
        return cfg;
    }

    /// <summary>Value equality, <see cref="AxesDim"/> compared element by element.</summary>
    public bool Equals(FluxConfig? other) =>
        other is not null && InChannels == other.InChannels && OutChannels == other.OutChannels && VecInDim == other.VecInDim
        && ContextInDim == other.ContextInDim && HiddenSize == other.HiddenSize && MlpRatio.Equals(other.MlpRatio) && NumHeads == other.NumHeads
        && Depth == other.Depth && DepthSingleBlocks == other.DepthSingleBlocks && AxesDim.SequenceEqual(other.AxesDim) && Theta == other.Theta
        && QkvBias == other.QkvBias && GuidanceEmbed == other.GuidanceEmbed && T5MaxLength == other.T5MaxLength;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(HiddenSize, NumHeads, Depth, DepthSingleBlocks, GuidanceEmbed, AxesDim.Length > 0 ? AxesDim[0] : 0);

    /// <summary>Throws <see cref="ArgumentException"/> with an exact message for the first violated invariant.</summary>
    public void Validate()
    {
        if (HiddenSize < 1 || NumHeads < 1) throw new ArgumentException("hidden_size and num_heads must be positive");
        if (HiddenSize % NumHeads != 0)
            throw new ArgumentException($"Hidden size {HiddenSize} must be divisible by num_heads {NumHeads}");
        if (AxesDim is not { Length: 3 } || AxesDim.Any(a => a < 2 || a % 2 != 0))
            throw new ArgumentException("axes_dim must be three positive even widths (one per id axis)");
        if (AxesDim.Sum() != HeadDim)
            throw new ArgumentException(
                $"Got [{string.Join(", ", AxesDim.Select(a => a.ToString(CultureInfo.InvariantCulture)))}] but expected positional dim {HeadDim}");
        if (InChannels < 4 || InChannels % 4 != 0 || OutChannels < 4 || OutChannels % 4 != 0)
            throw new ArgumentException($"in_channels ({InChannels}) and out_channels ({OutChannels}) must be positive multiples of 4 (2x2 packing)");
        if (VecInDim < 1 || ContextInDim < 1) throw new ArgumentException("vec_in_dim and context_in_dim must be positive");
        if (MlpRatio <= 0 || MlpHiddenDim < 1) throw new ArgumentException($"mlp_ratio ({MlpRatio.ToString(CultureInfo.InvariantCulture)}) must give a positive MLP width");
        if (Depth < 1 || DepthSingleBlocks < 0) throw new ArgumentException($"depth ({Depth}) must be at least 1 and depth_single_blocks ({DepthSingleBlocks}) non-negative");
        if (Theta < 1) throw new ArgumentException("theta must be positive");
        if (T5MaxLength < 1) throw new ArgumentException("t5_max_length must be positive");
    }
}
