using Jano.Core.Acceleration;

namespace Jano.Acceleration.Ras;

/// <summary>RAS (microsoft/RAS): region-adaptive sampling; each step recomputes a token subset chosen from the last update, with cached K/V keeping attention global.</summary>
public sealed class RasAccelerator : IAccelerator
{
    public RasAccelerator(RasOptions options)
    {
        options.CheckRanges();
        RasOptions = options;
    }

    public RasOptions RasOptions { get; }

    public string Name => "ras";

    public IReadOnlyList<KeyValuePair<string, string>> Options => RasOptions.ToPairs();

    /// <summary>Nothing depends on the model or the run: the options were range-checked when the accelerator was made.</summary>
    public void Validate(TransformerDescriptor model, int steps, IReadOnlyList<GuidanceBranch> branches)
    {
    }

    public IAcceleratorSession Begin(TransformerDescriptor model, GenerationPlan plan) => new RasSession(RasOptions, model, plan);
}
