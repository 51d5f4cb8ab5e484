using Jano.Core;
using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using Jano.Models.Dit;
using static TorchSharp.torch;

namespace Jano.Engine.Pipelines.Dit;

/// <summary>
/// The DiT's pipeline: the condition is a class id per branch (<see cref="IConditionEncoder"/>, the null class for the
/// unconditional one), the denoiser is the <see cref="DitModel"/> (loaded up front: it is small), and the decode is the
/// identity for a pixel-space model or an <see cref="ILatentDecoder"/> for a latent one. Owns the model and the decoder.
/// </summary>
public sealed class DitPipeline : FlowMatchingPipeline
{
    private readonly DitModel _model;
    private readonly IConditionEncoder _encoder;
    private readonly ILatentDecoder? _decoder;

    /// <param name="model">The denoiser, in eval mode; the pipeline owns it.</param>
    /// <param name="encoder">Prompt → class ids.</param>
    /// <param name="decoder">Latent → frames; null for a pixel-space model (the latent is the output).</param>
    /// <param name="defaults">Default settings.</param>
    /// <param name="weightsSource">Where the weights came from (a path or <c>random (seed N)</c>).</param>
    public DitPipeline(DitModel model, IConditionEncoder encoder, ILatentDecoder? decoder, ModelDefaults defaults, string weightsSource)
        : base(defaults, model.Device, model.DType)
    {
        _model = model;
        _encoder = encoder;
        _decoder = decoder;
        WeightsSource = weightsSource;
    }

    protected override DiffusionCondition ToCondition(Tensor context, EncodedCondition condition, GenerationSettings settings) => DiffusionCondition.ForClasses(context);

    public override string Family => "dit";

    public override string WeightsSource { get; }

    /// <summary>The denoiser.</summary>
    public DitModel Model => _model;

    public override int OutputChannels => _decoder?.OutputChannels ?? _model.Config.OutChannels;

    public override (int T, int H, int W)? PixelsPerToken
    {
        get
        {
            var p = _model.Config.PatchSize;
            var s = _decoder?.Scale ?? (1, 1, 1);
            return (p.T * s.T, p.H * s.H, p.W * s.W);
        }
    }

    protected override long[] LatentShape(int width, int height, int frames)
    {
        var p = _model.Config.PatchSize;
        var s = _decoder?.Scale ?? (1, 1, 1);
        int unitT = p.T * s.T, unitH = p.H * s.H, unitW = p.W * s.W;
        if (frames % unitT != 0 || height % unitH != 0 || width % unitW != 0)
            throw new UsageException(_decoder is null
                ? $"size {width}x{height} with {frames} frames is not a multiple of the model's patch ({p.T}x{p.H}x{p.W})"
                : $"size {width}x{height} with {frames} frames is not a multiple of the model's patch x decoder scale ({unitT}x{unitH}x{unitW})");
        int channels = _decoder?.LatentChannels ?? _model.Config.InChannels;
        return [channels, frames / s.T, height / s.H, width / s.W];
    }

    protected override void CheckPrompt(string prompt, string? negativePrompt) => _encoder.CheckPrompt(prompt, negativePrompt);

    public override TransformerDescriptor Describe(GenerationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return _model.Describe(settings.LatentShape);
    }

    public override IReadOnlyList<EncodedCondition> EncodeConditions(IReadOnlyList<GenerationSettings> settings,
        IProgress<GenerationProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        progress?.Report(new GenerationProgress { Stage = GenerationStage.Encode });
        var list = new List<EncodedCondition>(settings.Count);
        try
        {
            foreach (var s in settings)
            {
                cancel.ThrowIfCancellationRequested();
                var cond = _encoder.Encode(s.Prompt);
                Tensor? uncond = null;
                try
                {
                    uncond = s.Cfg ? _encoder.EncodeUnconditional(s.NegativePrompt) : null;
                }
                catch
                {
                    cond.Dispose();
                    throw;
                }
                list.Add(new EncodedCondition(s.Prompt, s.NegativePrompt, cond, uncond));
            }
            return list;
        }
        catch
        {
            foreach (var c in list) c.Dispose();
            throw;
        }
    }

    protected override IDiffusionTransformer Transformer(IProgress<GenerationProgress>? progress) => _model;

    public override Tensor Decode(Tensor latent, IProgress<GenerationProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(latent);
        progress?.Report(new GenerationProgress { Stage = GenerationStage.Decode });
        if (_decoder is not null) return _decoder.Decode(latent);
        using var cpu = latent.to(ScalarType.Float32, CPU);
        return cpu.clone();
    }

    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        _model.Dispose();
        _decoder?.Dispose();
    }
}
