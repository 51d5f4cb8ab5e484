using Jano.Engine.Pipelines;
using Jano.Models.Dit;

namespace Jano.Engine.Catalog;

/// <summary>A built model with its prompt encoder; disposing frees the weights.</summary>
public sealed class LoadedModel : IDisposable
{
    public LoadedModel(ModelSpec spec, DitModel model, IConditionEncoder encoder, string weightsSource)
    {
        Spec = spec;
        Model = model;
        Encoder = encoder;
        WeightsSource = weightsSource;
        Pipeline = new FlowPipeline(model, encoder);
    }

    public ModelSpec Spec { get; }
    public DitModel Model { get; }
    public IConditionEncoder Encoder { get; }
    public FlowPipeline Pipeline { get; }
    /// <summary>Path of the weights, or "random (seed N)".</summary>
    public string WeightsSource { get; }

    public void Dispose() => Model.Dispose();
}
