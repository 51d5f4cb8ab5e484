using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.Flux.TextEncoders;

/// <summary>One pre-norm CLIP encoder layer: x + attn(ln1(x)), then x + fc2(act(fc1(ln2(x)))). Keys: <c>self_attn</c>,
/// <c>layer_norm1</c>, <c>mlp.fc1</c>, <c>mlp.fc2</c>, <c>layer_norm2</c>.</summary>
public sealed class ClipEncoderLayer : nn.Module<Tensor, Tensor>
{
    private static readonly Scalar QuickGeluFactor = 1.702.ToScalar();
    private readonly bool _quickGelu;
    private readonly ClipAttention self_attn;
    private readonly LayerNorm layer_norm1;
    private readonly ClipMlp mlp;
    private readonly LayerNorm layer_norm2;

    /// <summary>Creates the layer.</summary>
    public ClipEncoderLayer(ClipTextConfig cfg, Device? device, ScalarType? dtype) : base(nameof(ClipEncoderLayer))
    {
        ArgumentNullException.ThrowIfNull(cfg);
        _quickGelu = cfg.HiddenAct == "quick_gelu";
        self_attn = new ClipAttention(cfg.HiddenSize, cfg.NumAttentionHeads, device, dtype);
        layer_norm1 = nn.LayerNorm(cfg.HiddenSize, eps: cfg.LayerNormEps, device: device, dtype: dtype);
        mlp = new ClipMlp(cfg.HiddenSize, cfg.IntermediateSize, device, dtype);
        layer_norm2 = nn.LayerNorm(cfg.HiddenSize, eps: cfg.LayerNormEps, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>x [B, L, C] → [B, L, C].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x.Plus(self_attn.call(layer_norm1.call(x)));
        return h.Plus(mlp.Forward(layer_norm2.call(h), _quickGelu)).MoveToOuterDisposeScope();
    }

    /// <summary>fc2(act(fc1(x))). Keys: <c>fc1</c>, <c>fc2</c>.</summary>
    private sealed class ClipMlp : nn.Module
    {
        private readonly Linear fc1;
        private readonly Linear fc2;

        public ClipMlp(int dim, int hidden, Device? device, ScalarType? dtype) : base("CLIPMLP")
        {
            fc1 = nn.Linear(dim, hidden, hasBias: true, device: device, dtype: dtype);
            fc2 = nn.Linear(hidden, dim, hasBias: true, device: device, dtype: dtype);
            RegisterComponents();
        }

        public Tensor Forward(Tensor x, bool quickGelu)
        {
            using var scope = NewDisposeScope();
            var f = fc1.call(x);
            f = quickGelu ? f.mul(f.mul(QuickGeluFactor).sigmoid()) : nn.functional.gelu(f);  // quick GELU: x·σ(1.702x)
            return fc2.call(f).MoveToOuterDisposeScope();
        }
    }
}
