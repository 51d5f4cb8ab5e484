using Jano.Core.Acceleration;
using static TorchSharp.torch;

namespace Jano.Tests.Combo;

/// <summary>Wraps an accelerator and counts, per step, how many blocks the model ran through its hooks.</summary>
public sealed class CountingAccelerator(IAccelerator inner) : IAccelerator
{
    public List<int> BlocksPerStep { get; } = new();

    public string Name => inner.Name;

    public IReadOnlyList<KeyValuePair<string, string>> Options => inner.Options;

    public IAcceleratorSession Begin(TransformerDescriptor model, GenerationPlan plan)
    {
        BlocksPerStep.Clear();
        return new Session(this, inner.Begin(model, plan));
    }

    private sealed class Session(CountingAccelerator owner, IAcceleratorSession inner) : IAcceleratorSession
    {
        public void BeginStep(StepInfo step)
        {
            owner.BlocksPerStep.Add(0);
            inner.BeginStep(step);
        }

        public ITransformerHooks Hooks(IReadOnlyList<GuidanceBranch> rows) => new Counting(owner, inner.Hooks(rows));

        public StepSummary EndStep(StepInfo step, Tensor guidedOutput) => inner.EndStep(step, guidedOutput);

        public AcceleratorReport Report() => inner.Report();

        public void Dispose() => inner.Dispose();
    }

    private sealed class Counting(CountingAccelerator owner, ITransformerHooks inner) : ITransformerHooks
    {
        public TokenSelection SelectTokens(int tokenCount) => inner.SelectTokens(tokenCount);

        public Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks) => inner.RunBlockStack(x, probe, runBlocks);

        public Tensor RunBlock(int layer, Tensor x, Func<Tensor, Tensor> runBlock)
        {
            owner.BlocksPerStep[^1]++;
            return inner.RunBlock(layer, x, runBlock);
        }

        public Tensor RunAttention(int layer, AttentionKind kind, Tensor input, Func<Tensor, Tensor> compute) => inner.RunAttention(layer, kind, input, compute);

        public (Tensor Input, Tensor Positions)? ExtraKeyValueInput(int layer, Tensor x) => inner.ExtraKeyValueInput(layer, x);

        public (Tensor K, Tensor V) ExtendKeyValues(int layer, Tensor k, Tensor v) => inner.ExtendKeyValues(layer, k, v);

        public Tensor ComposeOutput(Tensor output, TokenSelection selection) => inner.ComposeOutput(output, selection);
    }
}
