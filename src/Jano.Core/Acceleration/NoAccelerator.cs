using static TorchSharp.torch;

namespace Jano.Core.Acceleration;

/// <summary>The plain forward: every step computes every token.</summary>
public sealed class NoAccelerator : IAccelerator
{
    public string Name => "none";

    public IReadOnlyList<KeyValuePair<string, string>> Options { get; } = Array.Empty<KeyValuePair<string, string>>();

    /// <summary>Nothing to check: the plain forward fits every model and run.</summary>
    public void Validate(TransformerDescriptor model, int steps, IReadOnlyList<GuidanceBranch> branches)
    {
    }

    public IAcceleratorSession Begin(TransformerDescriptor model, GenerationPlan plan) => new Session(model.TokenCount);

    private sealed class Session(int tokens) : IAcceleratorSession
    {
        private int _rows;

        public void BeginStep(StepInfo step) => _rows = 0;

        public ITransformerHooks Hooks(IReadOnlyList<GuidanceBranch> rows)
        {
            _rows += rows.Count;
            return NullHooks.Instance;
        }

        public StepSummary EndStep(StepInfo step, Tensor guidedOutput) => new("full", (long)tokens * _rows);

        public AcceleratorReport Report() => new() { Method = "none" };

        public void Dispose()
        {
        }
    }
}
