using Jano.Core.Acceleration;
using static TorchSharp.torch;

namespace Jano.Tests.Seam;

/// <summary>Hooks that run every wrapped computation and record the order of seam calls.</summary>
public sealed class SeamPassThroughHooks : TransformerHooks
{
    public List<string> Calls { get; } = new();

    public override TokenSelection SelectTokens(int tokenCount) { Calls.Add("select"); return base.SelectTokens(tokenCount); }

    public override Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks) { Calls.Add("stack"); return runBlocks(x); }

    public override TokenStreams RunAttention(int layer, AttentionKind kind, TokenStreams input, Func<TokenStreams, TokenStreams> compute)
    {
        Calls.Add($"{kind}{layer}");
        return compute(input);
    }

    public override (Tensor Input, Tensor Positions)? ExtraKeyValueInput(int layer, Tensor x) { Calls.Add($"kvin{layer}"); return null; }

    public override KeyValues ExtendKeyValues(int layer, KeyValues kv) { Calls.Add($"kv{layer}"); return kv; }

    public override TokenStreams RunMlp(int layer, TokenStreams input, Func<TokenStreams, TokenStreams> compute)
    {
        Calls.Add($"mlp{layer}");
        return compute(input);
    }

    public override Tensor ComposeOutput(Tensor output, TokenSelection selection) { Calls.Add("compose"); return output; }
}
