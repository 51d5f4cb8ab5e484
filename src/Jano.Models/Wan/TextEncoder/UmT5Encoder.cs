using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Wan.TextEncoder;

/// <summary>
/// Wan's text encoder, the official <c>T5Encoder</c> of <c>wan/modules/t5.py</c> (umT5-XXL with <see cref="UmT5Config.Xxl"/>).
/// Field names are the official state_dict keys (<c>token_embedding</c>, <c>blocks.N.*</c>, <c>norm</c>, and
/// <c>pos_embedding</c> when shared). Runs in the dtype it was built with (fp32 or bf16); norms and softmax in fp32.
/// Dropout is omitted (inference only).
/// </summary>
public sealed class UmT5Encoder : nn.Module
{
    private readonly UmT5Config _cfg;
    private readonly Embedding token_embedding;
    private readonly T5RelativeEmbedding? pos_embedding;
    private readonly ModuleList<T5SelfAttentionBlock> blocks;
    private readonly T5LayerNorm norm;

    /// <summary>Builds the encoder on <paramref name="device"/> (CPU by default; META for shape checks) in <paramref name="dtype"/>.</summary>
    public UmT5Encoder(UmT5Config cfg, Device? device = null, ScalarType dtype = ScalarType.Float32) : base(nameof(UmT5Encoder))
    {
        cfg.Validate();
        _cfg = cfg;
        Device = device ?? CPU;
        DType = dtype;
        token_embedding = nn.Embedding(cfg.Vocab, cfg.Dim, device: Device, dtype: dtype);
        pos_embedding = cfg.SharedPos ? new T5RelativeEmbedding(cfg.NumBuckets, cfg.NumHeads, cfg.MaxDist, Device, dtype) : null;
        blocks = nn.ModuleList(Enumerable.Range(0, cfg.NumLayers).Select(_ => new T5SelfAttentionBlock(cfg, Device, dtype)).ToArray());
        norm = new T5LayerNorm(cfg.Dim, cfg.Eps, Device, dtype);
        RegisterComponents();
    }

    /// <summary>The encoder's sizes.</summary>
    public UmT5Config Config => _cfg;

    /// <summary>Device of the parameters.</summary>
    public Device Device { get; }

    /// <summary>Dtype of the parameters and of the output.</summary>
    public ScalarType DType { get; }

    /// <summary>ids [B, L] (int64); mask [B, L] (1 = token, 0 = padding) or null → hidden states [B, L, dim] in <see cref="DType"/>.
    /// Padded positions are encoded too (they attend to the real tokens), exactly as the official forward.
    /// <paramref name="blockObserver"/>, if given, sees each block's output (layer index, [B, L, dim]; valid only during the call).</summary>
    public Tensor Forward(Tensor ids, Tensor? mask = null, Action<int, Tensor>? blockObserver = null)
    {
        if (ids.dim() != 2) throw new ArgumentException($"ids must be [B, L], got [{string.Join(", ", ids.shape)}]");
        if (mask is not null && !mask.shape.SequenceEqual(ids.shape)) throw new ArgumentException("mask must have the shape of ids");
        using var scope = NewDisposeScope();
        var x = token_embedding.call(ids.to(ScalarType.Int64).to(Device));
        var m = mask?.to(Device);
        var e = pos_embedding?.Forward(x.shape[1], x.shape[1]);
        for (int i = 0; i < blocks.Count; i++)
        {
            using var inner = NewDisposeScope();
            x = blocks[i].Forward(x, m, e).MoveToOuterDisposeScope();
            blockObserver?.Invoke(i, x);
        }
        return norm.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>Wan's <c>T5EncoderModel.__call__</c>: encodes and keeps each row's first mask-sum positions → one [len_i, dim] tensor per row.</summary>
    public Tensor[] EncodeTrimmed(Tensor ids, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var hidden = Forward(ids, mask);
        var lengths = mask.ne(0).sum(1).to(ScalarType.Int64).data<long>().ToArray();
        var result = new Tensor[lengths.Length];
        for (int i = 0; i < lengths.Length; i++) result[i] = hidden[i].narrow(0, 0, lengths[i]).clone().MoveToOuterDisposeScope();
        return result;
    }
}
