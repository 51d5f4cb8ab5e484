using static TorchSharp.torch;

namespace Jano.Core.Acceleration;

/// <summary>
/// Base of every accelerator's hooks: each seam point passes through (computes everything, selects every token, adds
/// no K/V), so a method overrides only the points it uses. A forward through the defaults is bit-identical to the plain
/// forward (<see cref="NullHooks"/>).
/// </summary>
public abstract class TransformerHooks : ITransformerHooks
{
    /// <inheritdoc />
    public virtual TokenSelection SelectTokens(int tokenCount) => TokenSelection.All(tokenCount);

    /// <inheritdoc />
    public virtual Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks) => runBlocks(x);

    /// <inheritdoc />
    public virtual TokenStreams RunAttention(int layer, AttentionKind kind, TokenStreams input, Func<TokenStreams, TokenStreams> compute) =>
        compute(input);

    /// <inheritdoc />
    public virtual (Tensor Input, Tensor Positions)? ExtraKeyValueInput(int layer, Tensor x) => null;

    /// <inheritdoc />
    public virtual KeyValues ExtendKeyValues(int layer, KeyValues kv) => kv;

    /// <inheritdoc />
    public virtual TokenStreams RunMlp(int layer, TokenStreams input, Func<TokenStreams, TokenStreams> compute) => compute(input);

    /// <inheritdoc />
    public virtual Tensor ComposeOutput(Tensor output, TokenSelection selection) => output;
}
