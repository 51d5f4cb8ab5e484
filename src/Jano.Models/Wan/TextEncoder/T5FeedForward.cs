using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Jano.Models.Wan.TextEncoder;

/// <summary>T5 v1.1 gated-GELU feed-forward: fc2(fc1(x) · gelu_tanh(gate(x))). Keys: <c>ffn.gate.0</c>, <c>ffn.fc1</c>, <c>ffn.fc2</c>
/// (the official gate is <c>nn.Sequential(Linear, GELU)</c>).</summary>
public sealed class T5FeedForward : nn.Module<Tensor, Tensor>
{
    private readonly Sequential gate;
    private readonly Linear fc1;
    private readonly Linear fc2;

    /// <summary>Creates the layer.</summary>
    public T5FeedForward(int dim, int dimFfn, Device? device, ScalarType? dtype) : base(nameof(T5FeedForward))
    {
        gate = nn.Sequential(nn.Linear(dim, dimFfn, hasBias: false, device: device, dtype: dtype), new T5Gelu());
        fc1 = nn.Linear(dim, dimFfn, hasBias: false, device: device, dtype: dtype);
        fc2 = nn.Linear(dimFfn, dim, hasBias: false, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>x [B, L, C] → [B, L, C].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return fc2.call(fc1.call(x).mul(gate.call(x))).MoveToOuterDisposeScope();
    }
}
