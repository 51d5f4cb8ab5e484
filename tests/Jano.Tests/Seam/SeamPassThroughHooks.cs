using Jano.Core.Acceleration;
using static TorchSharp.torch;

namespace Jano.Tests.Seam;

/// <summary>Hooks that run every wrapped computation and record the order of seam calls.</summary>
public sealed class SeamPassThroughHooks : ITransformerHooks
{
    public List<string> Calls { get; } = new();

    public TokenSelection SelectTokens(int tokenCount) { Calls.Add("select"); return TokenSelection.All(tokenCount); }

    public Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks) { Calls.Add("stack"); return runBlocks(x); }

    public Tensor RunBlock(int layer, Tensor x, Func<Tensor, Tensor> runBlock) { Calls.Add($"block{layer}"); return runBlock(x); }

    public Tensor RunAttention(int layer, AttentionKind kind, Tensor input, Func<Tensor, Tensor> compute) { Calls.Add($"{kind}{layer}"); return compute(input); }

    public (Tensor Input, Tensor Positions)? ExtraKeyValueInput(int layer, Tensor x) { Calls.Add($"kvin{layer}"); return null; }

    public (Tensor K, Tensor V) ExtendKeyValues(int layer, Tensor k, Tensor v) { Calls.Add($"kv{layer}"); return (k, v); }

    public Tensor ComposeOutput(Tensor output, TokenSelection selection) { Calls.Add("compose"); return output; }
}
