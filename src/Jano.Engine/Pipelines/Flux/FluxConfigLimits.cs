using System.Globalization;
using Jano.Models.Flux;
using Jano.Models.Flux.Autoencoder;
using Jano.Models.Flux.TextEncoders;

namespace Jano.Engine.Pipelines.Flux;

/// <summary>
/// Upper bounds on the sizes a FLUX.1 folder's configs (or its tensor shapes) may claim, checked before anything is built, so
/// a hostile or mistyped config is one line naming the field instead of a meta model of a million blocks or an allocation
/// that cannot succeed. The released models sit far below every bound (hidden 3072, 19 + 38 blocks, CLIP width 768, VAE
/// width 128).
/// </summary>
public static class FluxConfigLimits
{
    public const int MaxHidden = 16_384;
    public const int MaxHeads = 1024;
    public const int MaxBlocks = 1024;
    public const int MaxChannels = 4096;
    public const int MaxTextWidth = 65_536;
    public const int MaxTextTokens = 4096;
    public const int MaxMlp = 262_144;
    public const int MaxVaeWidth = 1024;
    public const int MaxVaeLevels = 8;
    public const int MaxVaeBlocks = 16;
    public const int MaxClipVocab = 1 << 20;
    public const int MaxClipLayers = 256;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field out of range.</summary>
    public static void Check(FluxConfig cfg)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        In("hidden_size", cfg.HiddenSize, 1, MaxHidden);
        In("num_heads", cfg.NumHeads, 1, MaxHeads);
        In("depth", cfg.Depth, 1, MaxBlocks);
        In("depth_single_blocks", cfg.DepthSingleBlocks, 0, MaxBlocks);
        In("in_channels", cfg.InChannels, 1, MaxChannels);
        In("out_channels", cfg.OutChannels, 1, MaxChannels);
        In("vec_in_dim", cfg.VecInDim, 1, MaxTextWidth);
        In("context_in_dim", cfg.ContextInDim, 1, MaxTextWidth);
        In("t5_max_length", cfg.T5MaxLength, 1, MaxTextTokens);
        if (!(cfg.MlpRatio > 0) || cfg.HiddenSize * cfg.MlpRatio > MaxMlp)
            throw new ArgumentException($"mlp_ratio ({cfg.MlpRatio.ToString(CultureInfo.InvariantCulture)}) must give an MLP width between 1 and {MaxMlp}");
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field out of range.</summary>
    public static void Check(FluxVaeConfig cfg)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        In("ch", cfg.Ch, 1, MaxVaeWidth);
        In("number of levels (ch_mult)", cfg.ChMult.Length, 1, MaxVaeLevels);
        foreach (var m in cfg.ChMult) In("ch · ch_mult", (long)cfg.Ch * m, 1, MaxVaeWidth * 8L);
        In("num_res_blocks", cfg.NumResBlocks, 1, MaxVaeBlocks);
        In("z_channels", cfg.ZChannels, 1, MaxChannels);
        In("in_channels", cfg.InChannels, 1, 64);
        In("out_ch", cfg.OutCh, 1, 64);
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field out of range.</summary>
    public static void Check(ClipTextConfig cfg)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        In("vocab_size", cfg.VocabSize, 1, MaxClipVocab);
        In("hidden_size", cfg.HiddenSize, 1, MaxHidden);
        In("intermediate_size", cfg.IntermediateSize, 1, MaxMlp);
        In("num_attention_heads", cfg.NumAttentionHeads, 1, MaxHeads);
        In("num_hidden_layers", cfg.NumHiddenLayers, 1, MaxClipLayers);
        In("max_position_embeddings", cfg.MaxPositionEmbeddings, 1, MaxTextTokens);
    }

    private static void In(string name, long value, long min, long max)
    {
        if (value < min || value > max)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{name} ({value}) must be between {min} and {max}"));
    }
}
