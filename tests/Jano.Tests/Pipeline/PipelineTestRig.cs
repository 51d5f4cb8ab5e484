using Jano.Core.Acceleration;
using Jano.Engine.Catalog;
using Jano.Engine.Pipelines;
using Jano.Models.Dit;
using static TorchSharp.torch;

namespace Jano.Tests.Pipeline;

/// <summary>The tiny DiT behind a pipeline, with class-name prompts.</summary>
public sealed class PipelineTestRig : IDisposable
{
    public PipelineTestRig(long seed = 7)
    {
        Model = TestModels.TinyDit(seed);
        Pipeline = new FlowPipeline(Model, new ClassLabelEncoder(FashionMnistClasses.Names, FashionMnistClasses.Lookup, Model.NullClass, CPU));
    }

    public DitModel Model { get; }

    public FlowPipeline Pipeline { get; }

    public static GenerationRequest Request(int steps = 12, long seed = 42, double guidance = 3.0, bool batched = true) => new()
    {
        Prompt = "sneaker",
        Steps = steps,
        Seed = seed,
        Guidance = guidance,
        Shift = 1.5,
        LatentShape = TestModels.TinyLatent,
        BatchBranches = batched,
    };

    public void Dispose() => Model.Dispose();
}
