using Jano.Core.Acceleration;
using static TorchSharp.torch;

namespace Jano.Engine.Pipelines;

/// <summary>
/// The contract every model's pipeline implements: resolve a request against the model's defaults, then
/// encode condition → denoise → decode, with progress (<see cref="IProgress{T}"/> of <see cref="GenerationProgress"/>) and
/// cancellation. The stages are separate so that jobs encode each prompt once, free a large text encoder before the
/// denoiser loads, run many seeds and accelerators on one condition, and decode only what they keep. Created by a catalog
/// entry (<see cref="Catalog.ModelEntry.CreatePipeline"/>); disposing frees every weight it loaded.
/// </summary>
public interface IDiffusionPipeline : IDisposable
{
    /// <summary>Model family (the descriptor's, e.g. <c>dit</c>, <c>wan2.1</c>).</summary>
    string Family { get; }

    /// <summary>Where the weights come from: a path, or <c>random (seed N)</c>.</summary>
    string WeightsSource { get; }

    /// <summary>Device of the denoiser.</summary>
    Device Device { get; }

    /// <summary>Weights dtype of the denoiser.</summary>
    ScalarType DType { get; }

    /// <summary>The model's default settings (null members of a request take these).</summary>
    ModelDefaults Defaults { get; }

    /// <summary>Sampler names <see cref="GenerationRequest.Sampler"/> accepts.</summary>
    IReadOnlyList<string> Samplers { get; }

    /// <summary>Channels of the decoded frames (1 grey, 3 RGB).</summary>
    int OutputChannels { get; }

    /// <summary>Output pixels per latent token along (time, height, width) when a token maps to a fixed pixel box of the
    /// decoded frames (level maps are drawn with it); null when it does not (a causal video VAE's first frame).</summary>
    (int T, int H, int W)? PixelsPerToken { get; }

    /// <summary>
    /// The request with the model's defaults filled in, every value checked before any compute (steps, guidance, shift,
    /// sampler, sizes against the patch and VAE stride, the prompt). Bad input is an <see cref="ArgumentException"/> with
    /// one line naming it.
    /// </summary>
    GenerationSettings Resolve(GenerationRequest request);

    /// <summary>Sizes and token layout of the denoiser for <paramref name="settings"/> (no weights needed).</summary>
    TransformerDescriptor Describe(GenerationSettings settings);

    /// <summary>Checks that <paramref name="accelerator"/>'s options fit this model and run (an
    /// <see cref="ArgumentException"/> naming the option otherwise), before any compute.</summary>
    void CheckAccelerator(GenerationSettings settings, IAccelerator accelerator);

    /// <summary>The seeded initial noise x_T [C, T, H, W] (fp32 on <see cref="Device"/>) a run of <paramref name="settings"/>
    /// starts from; the same seed gives the same noise on every machine.</summary>
    Tensor InitialNoise(GenerationSettings settings);

    /// <summary>Stage 1: encodes the prompts (and negative prompts) of <paramref name="settings"/>, one condition each, in
    /// order. A pipeline with a large text encoder builds it once for the whole list and frees it before returning.</summary>
    IReadOnlyList<EncodedCondition> EncodeConditions(IReadOnlyList<GenerationSettings> settings, IProgress<GenerationProgress>? progress = null,
        CancellationToken cancel = default);

    /// <summary>
    /// Stage 2: the denoising loop from <see cref="InitialNoise"/> with the settings' sampler (a sigma schedule and an
    /// update rule), guidance v_u + g·(v_c − v_u) over the branches (batched or one by one; accelerator state is per branch
    /// row either way), one dispose scope per step, <paramref name="accelerator"/>'s session around every step. Reports
    /// each finished step; checks <paramref name="cancel"/> before each. <paramref name="observe"/>, when given, sees each
    /// step, its guided velocity [C, T, H, W] and the latent after it (valid only during the call). The result owns the
    /// final latent (fp32, CPU).
    /// </summary>
    GenerationResult Denoise(GenerationSettings settings, EncodedCondition condition, IAccelerator accelerator,
        IProgress<GenerationProgress>? progress = null, Action<StepInfo, Tensor, Tensor>? observe = null, CancellationToken cancel = default);

    /// <summary>Stage 3: latent [C, T, H, W] → frames [C_out, F, H_out, W_out] in [−1, 1], a new fp32 CPU tensor.</summary>
    Tensor Decode(Tensor latent, IProgress<GenerationProgress>? progress = null);

    /// <summary>A small picture (at most <see cref="Output.PreviewImage.MaxSide"/> pixels a frame side, frames side by side)
    /// of a predicted clean latent x0 [C, T, H, W], cheap enough to make every few steps; what
    /// <see cref="GenerationProgress.Preview"/> carries when <see cref="GenerationSettings.PreviewEvery"/> asks for it.</summary>
    Output.Frame8 Preview(Tensor x0);

    /// <summary>
    /// One generation in one call: <see cref="Resolve"/> → <see cref="CheckAccelerator"/> → encode condition → denoise →
    /// decode, with <paramref name="accelerator"/> (null: plain sampling). The result owns the latent and the decoded frames
    /// (<see cref="GenerationResult.Output"/>).
    /// </summary>
    GenerationResult Generate(GenerationRequest request, IAccelerator? accelerator = null, IProgress<GenerationProgress>? progress = null,
        CancellationToken cancel = default);
}
