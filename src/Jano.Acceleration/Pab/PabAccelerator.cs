using Jano.Core.Acceleration;

namespace Jano.Acceleration.Pab;

/// <summary>Pyramid Attention Broadcast (VideoSys): reuses attention outputs across steps, cross-attention longer than self-attention.</summary>
public sealed class PabAccelerator : IAccelerator
{
    public PabAccelerator(PabOptions options)
    {
        options.CheckRanges();
        PabOptions = options;
    }

    public PabOptions PabOptions { get; }

    public string Name => "pab";

    public IReadOnlyList<KeyValuePair<string, string>> Options => PabOptions.ToPairs();

    /// <summary>Nothing depends on the model or the run: the options were range-checked when the accelerator was made.</summary>
    public void Validate(TransformerDescriptor model, int steps, IReadOnlyList<GuidanceBranch> branches)
    {
    }

    public IAcceleratorSession Begin(TransformerDescriptor model, GenerationPlan plan) => new PabSession(PabOptions, model, plan);
}
