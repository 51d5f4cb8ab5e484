using TorchSharp;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.Wan.TextEncoder;

/// <summary>The tanh GELU written out as in the official <c>t5.GELU</c>: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
public sealed class T5Gelu : nn.Module<Tensor, Tensor>
{
    private static readonly double Scale = Math.Sqrt(2.0 / Math.PI);

    /// <summary>Creates the activation (no parameters).</summary>
    public T5Gelu() : base(nameof(T5Gelu)) { }

    /// <summary>Elementwise, any shape.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var inner = x.Plus(x.mul(x).mul(x).mul(0.044715)).mul(Scale).tanh().add(1.0);
        return x.mul(0.5).mul(inner).MoveToOuterDisposeScope();
    }
}
