using Jano.Core.Acceleration;
using static TorchSharp.torch;

namespace Jano.Bridge;

/// <summary>Passes every call through to <paramref name="inner"/> unchanged and hands each step's summary to
/// <paramref name="onEndStep"/>, so progress can carry the step's level and token count.</summary>
internal sealed class StepReportingAccelerator(IAccelerator inner, Action<StepSummary> onEndStep) : IAccelerator
{
    public string Name => inner.Name;

    public IReadOnlyList<KeyValuePair<string, string>> Options => inner.Options;

    public IAcceleratorSession Begin(TransformerDescriptor model, GenerationPlan plan) => new Session(inner.Begin(model, plan), onEndStep);

    private sealed class Session(IAcceleratorSession inner, Action<StepSummary> onEndStep) : IAcceleratorSession
    {
        public void BeginStep(StepInfo step) => inner.BeginStep(step);

        public ITransformerHooks Hooks(IReadOnlyList<GuidanceBranch> rows) => inner.Hooks(rows);

        public StepSummary EndStep(StepInfo step, Tensor guidedOutput)
        {
            var summary = inner.EndStep(step, guidedOutput);
            onEndStep(summary);
            return summary;
        }

        public AcceleratorReport Report() => inner.Report();

        public void Dispose() => inner.Dispose();
    }
}
