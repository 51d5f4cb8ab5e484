using Jano.Core.Diffusion;
using Jano.Tests.Wan;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Tests.Contract;

/// <summary>
/// A model family of the contract suite: a tiny model, a latent shape, the two guidance conditions and the Jano preset
/// the family's Jano entries run under (12-step runs: warm-up 3, cool-down 2, intervals 4 / 2, 1×2×2 analysis blocks).
/// </summary>
public sealed record ContractFamily(string Name, long[] Latent, string JanoPreset)
{
    private const string Preset = "warmup_steps=3,cooldown_steps=2,static_interval=4,medium_interval=2,analyze_block_size=1x2x2,d_distance=1,static_thresh=0.3,medium_thresh=0.6";

    /// <summary>The class-conditional DiT (tiny config, 48 tokens), the tiny Wan2.1 (official fixture weights, 48 tokens) and the
    /// tiny FLUX.1 port (<see cref="Jano.Models.Flux.FluxModel"/> with the golden tests' fixture weights: 16 image + 5 text tokens,
    /// embedded guidance). The FLUX-shaped toy the suite used before the port is kept in <see cref="FluxToyModelTests"/>.</summary>
    public static IReadOnlyList<ContractFamily> All { get; } =
    [
        new("dit", TestModels.TinyLatent, Preset + ",t_weight=0.5"),
        new("wan", WanFixtures.TinyLatent, Preset + ",t_weight=0.5"),
        new("flux", [Flux.FluxFixtures.TinyConfig.LatentChannels, 1, 8, 8], Preset + ",t_weight=0"),
    ];

    // T5 states [1, 5, 24], CLIP pooled [1, 16] and the embedded guidance [1] of the tiny FLUX config. The two branches share
    // the pooled vector and differ in their T5 text: a step cache skips a batched forward only when every row may skip, and
    // FLUX's probe (block 0's modulated image input) depends on the pooled vector through vec, so branches with different
    // pooled vectors can decide differently at a step and the batched-vs-sequential comparison would compare different
    // schedules (FLUX itself runs one branch: its guidance is embedded).
    private static DiffusionCondition FluxCondition(long textSeed, long pooledSeed) => new()
    {
        TextEmbeddings = TestModels.Randn(textSeed, 1, Flux.FluxFixtures.TinyConfig.T5MaxLength, Flux.FluxFixtures.TinyConfig.ContextInDim),
        PooledText = TestModels.Randn(pooledSeed + 1, 1, Flux.FluxFixtures.TinyConfig.VecInDim),
        Guidance = torch.tensor(new[] { 3.5f }),
    };

    public static ContractFamily Named(string name) => All.Single(f => f.Name == name);

    /// <summary>A fresh model of the family (the caller disposes it).</summary>
    public IDiffusionTransformer CreateModel() => Name switch
    {
        "dit" => TestModels.TinyDit(),
        "wan" => WanFixtures.TinyModel(),
        "flux" => Flux.FluxFixtures.TinyModel(),
        _ => throw new ArgumentException(Name),
    };

    /// <summary>The conditional and unconditional conditions, batch 1 (the caller disposes their tensors).</summary>
    public (DiffusionCondition Cond, DiffusionCondition Uncond) Conditions() => Name switch
    {
        "dit" => (DiffusionCondition.ForClasses(torch.tensor(new long[] { 7 })), DiffusionCondition.ForClasses(torch.tensor(new long[] { 10 }))),
        "wan" => (DiffusionCondition.ForText(TestModels.Randn(31, 1, 6, 32)), DiffusionCondition.ForText(TestModels.Randn(32, 1, 8, 32).mul(0.1))),
        "flux" => (FluxCondition(41, 41), FluxCondition(43, 41)),
        _ => throw new ArgumentException(Name),
    };
}
