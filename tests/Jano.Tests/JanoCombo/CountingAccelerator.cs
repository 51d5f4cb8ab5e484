using Jano.Core.Acceleration;
using static TorchSharp.torch;

namespace Jano.Tests.Combo;

/// <summary>Wraps an accelerator and counts, per step, how many blocks ran their MLP through its hooks.</summary>
public sealed class CountingAccelerator(IAccelerator inner) : IAccelerator
{
    public List<int> BlocksPerStep { get; } = new();

    public string Name => inner.Name;

    public IReadOnlyList<KeyValuePair<string, string>> Options => inner.Options;

    public void Validate(TransformerDescriptor model, int steps, IReadOnlyList<GuidanceBranch> branches) => inner.Validate(model, steps, branches);

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

    private sealed class Counting(CountingAccelerator owner, ITransformerHooks inner) : DelegatingHooks(inner)
    {
        public override TokenStreams RunMlp(int layer, TokenStreams input, Func<TokenStreams, TokenStreams> compute)
        {
            owner.BlocksPerStep[^1]++;
            return Inner.RunMlp(layer, input, compute);
        }
    }
}
