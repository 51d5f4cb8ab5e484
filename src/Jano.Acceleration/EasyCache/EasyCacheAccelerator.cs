using Jano.Core.Acceleration;

namespace Jano.Acceleration.EasyCache;

/// <summary>EasyCache (H-EmbodVis/EasyCache): runtime-adaptive reuse of the block stack's last transformation vector.</summary>
public sealed class EasyCacheAccelerator : IAccelerator
{
    public EasyCacheAccelerator(EasyCacheOptions options)
    {
        options.CheckRanges();
        EasyCacheOptions = options;
    }

    public EasyCacheOptions EasyCacheOptions { get; }

    public string Name => "easycache";

    public IReadOnlyList<KeyValuePair<string, string>> Options => EasyCacheOptions.ToPairs();

    /// <summary>Nothing depends on the model or the run: the options were range-checked when the accelerator was made.</summary>
    public void Validate(TransformerDescriptor model, int steps, IReadOnlyList<GuidanceBranch> branches)
    {
    }

    public IAcceleratorSession Begin(TransformerDescriptor model, GenerationPlan plan) => new EasyCacheSession(EasyCacheOptions, plan);
}
