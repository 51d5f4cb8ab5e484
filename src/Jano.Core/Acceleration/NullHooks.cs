using static TorchSharp.torch;

namespace Jano.Core.Acceleration;

/// <summary>Hooks that change nothing: a forward through them is bit-identical to the plain forward.</summary>
public sealed class NullHooks : ITransformerHooks
{
    public static NullHooks Instance { get; } = new();

    private NullHooks()
    {
    }

    public TokenSelection SelectTokens(int tokenCount) => TokenSelection.All(tokenCount);

    public Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks) => runBlocks(x);

    public Tensor RunBlock(int layer, Tensor x, Func<Tensor, Tensor> runBlock) => runBlock(x);

    public Tensor RunAttention(int layer, AttentionKind kind, Tensor input, Func<Tensor, Tensor> compute) => compute(input);

    public (Tensor Input, Tensor Positions)? ExtraKeyValueInput(int layer, Tensor x) => null;

    public (Tensor K, Tensor V) ExtendKeyValues(int layer, Tensor k, Tensor v) => (k, v);

    public Tensor ComposeOutput(Tensor output, TokenSelection selection) => output;
}
