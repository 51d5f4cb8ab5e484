using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.Flux.TextEncoders;

/// <summary>
/// CLIP's text tower with Hugging Face <c>CLIPTextModel</c> names (<c>text_model.embeddings.{token,position}_embedding</c>,
/// <c>text_model.encoder.layers.N.*</c>, <c>text_model.final_layer_norm</c>), the math of openai/CLIP's <c>encode_text</c>
/// without <c>text_projection</c>: token + position embeddings, causal pre-norm layers, final LayerNorm. The pooled output is
/// the final-LayerNorm state at the EOS token, found as the first position of the largest id (openai's <c>text.argmax(-1)</c>,
/// and Hugging Face's rule for configs with the legacy <c>eos_token_id</c> 2 such as clip-vit-large-patch14's): FLUX's
/// <c>vec</c> (<c>pooler_output</c>).
/// </summary>
public sealed class ClipTextModel : nn.Module
{
    private readonly ClipTextConfig _cfg;
    private readonly ClipTextTransformer text_model;

    /// <summary>Builds the model on <paramref name="device"/> (CPU by default; META for shape checks) in <paramref name="dtype"/>.</summary>
    public ClipTextModel(ClipTextConfig cfg, Device? device = null, ScalarType dtype = ScalarType.Float32) : base(nameof(ClipTextModel))
    {
        ArgumentNullException.ThrowIfNull(cfg);
        cfg.Validate();
        _cfg = cfg;
        Device = device ?? CPU;
        DType = dtype;
        text_model = new ClipTextTransformer(cfg, Device, dtype);
        RegisterComponents();
    }

    public ClipTextConfig Config => _cfg;

    public Device Device { get; }

    public ScalarType DType { get; }

    /// <summary>ids [B, L] (int64, L ≤ max positions) → (last hidden state [B, L, C], pooled [B, C]) in <see cref="DType"/>.</summary>
    public (Tensor LastHidden, Tensor Pooled) Forward(Tensor ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.dim() != 2 || ids.shape[1] > _cfg.MaxPositionEmbeddings || ids.shape[1] < 1)
            throw new ArgumentException($"CLIP ids must be [B, L] with 1 <= L <= {_cfg.MaxPositionEmbeddings}, got [{string.Join(", ", ids.shape)}]");
        using var scope = NewDisposeScope();
        var tokens = ids.to(ScalarType.Int64).to(Device);
        var last = text_model.call(tokens);                                    // [B, L, C]
        var eos = tokens.argmax(-1);                                           // [B], first max
        var pooled = last[torch.arange(tokens.shape[0], device: Device), eos];  // [B, C]
        return (last.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope());
    }

    /// <summary>The <c>text_model</c> submodule: embeddings, encoder, final LayerNorm.</summary>
    private sealed class ClipTextTransformer : nn.Module<Tensor, Tensor>
    {
        private readonly ClipTextEmbeddings embeddings;
        private readonly ClipEncoder encoder;
        private readonly LayerNorm final_layer_norm;

        public ClipTextTransformer(ClipTextConfig cfg, Device device, ScalarType dtype) : base("CLIPTextTransformer")
        {
            embeddings = new ClipTextEmbeddings(cfg, device, dtype);
            encoder = new ClipEncoder(cfg, device, dtype);
            final_layer_norm = nn.LayerNorm(cfg.HiddenSize, eps: cfg.LayerNormEps, device: device, dtype: dtype);
            RegisterComponents();
        }

        public override Tensor forward(Tensor ids)
        {
            using var scope = NewDisposeScope();
            return final_layer_norm.call(encoder.call(embeddings.call(ids))).MoveToOuterDisposeScope();
        }
    }

    private sealed class ClipTextEmbeddings : nn.Module<Tensor, Tensor>
    {
        private readonly Embedding token_embedding;
        private readonly Embedding position_embedding;

        public ClipTextEmbeddings(ClipTextConfig cfg, Device device, ScalarType dtype) : base("CLIPTextEmbeddings")
        {
            token_embedding = nn.Embedding(cfg.VocabSize, cfg.HiddenSize, device: device, dtype: dtype);
            position_embedding = nn.Embedding(cfg.MaxPositionEmbeddings, cfg.HiddenSize, device: device, dtype: dtype);
            RegisterComponents();
        }

        public override Tensor forward(Tensor ids)
        {
            using var scope = NewDisposeScope();
            var positions = torch.arange(ids.shape[1], dtype: ScalarType.Int64, device: ids.device).unsqueeze(0); // [1, L]
            return token_embedding.call(ids).Plus(position_embedding.call(positions)).MoveToOuterDisposeScope();  // [B, L, C]
        }
    }

    private sealed class ClipEncoder : nn.Module<Tensor, Tensor>
    {
        private readonly ModuleList<ClipEncoderLayer> layers;

        public ClipEncoder(ClipTextConfig cfg, Device device, ScalarType dtype) : base("CLIPEncoder")
        {
            layers = nn.ModuleList(Enumerable.Range(0, cfg.NumHiddenLayers).Select(_ => new ClipEncoderLayer(cfg, device, dtype)).ToArray());
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            foreach (var layer in layers) x = layer.call(x);
            return x.MoveToOuterDisposeScope();
        }
    }
}
