using Jano.Engine.Catalog;
using Jano.Engine.Pipelines;
using Jano.Engine.Pipelines.Dit;
using Jano.Models.Dit;
using static TorchSharp.torch;

namespace Jano.Tests.Pipeline;

/// <summary>The tiny DiT behind a pipeline, with class-name prompts.</summary>
public sealed class PipelineTestRig : IDisposable
{
    /// <summary>The rig's defaults: the tiny latent's size and frames, 12 Euler steps, guidance 3, shift 1.5.</summary>
    public static ModelDefaults Defaults { get; } = new()
    {
        Steps = 12, Guidance = 3.0, Shift = 1.5,
        Width = (int)TestModels.TinyLatent[3], Height = (int)TestModels.TinyLatent[2], Frames = (int)TestModels.TinyLatent[1],
    };

    public PipelineTestRig(long seed = 7)
    {
        Model = TestModels.TinyDit(seed);
        Pipeline = new DitPipeline(Model, new ClassLabelEncoder(FashionMnistClasses.Names, FashionMnistClasses.Lookup, Model.NullClass, CPU), null,
            Defaults, $"random (seed {seed})");
    }

    public DitModel Model { get; }

    /// <summary>Owns <see cref="Model"/>.</summary>
    public DitPipeline Pipeline { get; }

    public static GenerationRequest Request(int steps = 12, long seed = 42, double guidance = 3.0, bool batched = true) => new()
    {
        Prompt = "sneaker",
        Steps = steps,
        Seed = seed,
        Guidance = guidance,
        Shift = 1.5,
        BatchBranches = batched,
    };

    public void Dispose() => Pipeline.Dispose();
}
