using static TorchSharp.torch;

namespace Jano.Core.Acceleration;

/// <summary>
/// Hooks that hand every seam point to <see cref="Inner"/>: the base of wrappers that observe or extend another
/// accelerator's hooks (FLOP counting, Jano with a step cache) through the seam's public points only.
/// </summary>
public abstract class DelegatingHooks(ITransformerHooks inner) : ITransformerHooks
{
    /// <summary>The wrapped hooks.</summary>
    protected ITransformerHooks Inner { get; } = inner;

    /// <inheritdoc />
    public virtual TokenSelection SelectTokens(int tokenCount) => Inner.SelectTokens(tokenCount);

    /// <inheritdoc />
    public virtual Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks) => Inner.RunBlockStack(x, probe, runBlocks);

    /// <inheritdoc />
    public virtual TokenStreams RunAttention(int layer, AttentionKind kind, TokenStreams input, Func<TokenStreams, TokenStreams> compute) =>
        Inner.RunAttention(layer, kind, input, compute);

    /// <inheritdoc />
    public virtual (Tensor Input, Tensor Positions)? ExtraKeyValueInput(int layer, Tensor x) => Inner.ExtraKeyValueInput(layer, x);

    /// <inheritdoc />
    public virtual KeyValues ExtendKeyValues(int layer, KeyValues kv) => Inner.ExtendKeyValues(layer, kv);

    /// <inheritdoc />
    public virtual TokenStreams RunMlp(int layer, TokenStreams input, Func<TokenStreams, TokenStreams> compute) => Inner.RunMlp(layer, input, compute);

    /// <inheritdoc />
    public virtual Tensor ComposeOutput(Tensor output, TokenSelection selection) => Inner.ComposeOutput(output, selection);
}
