using Jano.Core;
using System.Diagnostics;
using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using Jano.Core.Sampling;
using Jano.Engine.Output;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Engine.Pipelines;

/// <summary>
/// The part of <see cref="IDiffusionPipeline"/> every flow-matching model shares: request resolution (the one place
/// requests are checked), accelerator checks, seeded noise, and the denoising loop with classifier-free guidance and the
/// model's forward (called in one place, <see cref="Forward"/>). A family supplies its latent geometry, prompt check,
/// condition encoder, denoiser and decoder.
/// </summary>
public abstract class FlowMatchingPipeline : IDiffusionPipeline
{
    private static readonly GuidanceBranch[] CondRows = [GuidanceBranch.Cond];
    private static readonly GuidanceBranch[] UncondRows = [GuidanceBranch.Uncond];
    private static readonly GuidanceBranch[] BothRows = [GuidanceBranch.Cond, GuidanceBranch.Uncond];

    protected FlowMatchingPipeline(ModelDefaults defaults, Device device, ScalarType dtype)
    {
        Defaults = defaults;
        Device = device;
        DType = dtype;
    }

    public abstract string Family { get; }

    public abstract string WeightsSource { get; }

    public Device Device { get; }

    public ScalarType DType { get; }

    public ModelDefaults Defaults { get; }

    public virtual IReadOnlyList<string> Samplers => Core.Sampling.Samplers.Names;

    public abstract int OutputChannels { get; }

    public abstract (int T, int H, int W)? PixelsPerToken { get; }

    /// <summary>True when a guidance scale other than 1 runs an unconditional branch (false for models with embedded
    /// guidance, which pass the scale in the condition).</summary>
    protected virtual bool UsesClassifierFreeGuidance => true;

    public GenerationSettings Resolve(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Prompt)) throw new UsageException("the prompt must not be empty");
        int steps = request.Steps ?? Defaults.Steps;
        if (steps < 1) throw new UsageException($"--steps ({steps}) must be at least 1");
        double guidance = request.Guidance ?? Defaults.Guidance;
        if (!(guidance >= 1.0) || double.IsInfinity(guidance)) throw new UsageException($"--guidance ({guidance}) must be at least 1");
        double shift = request.Shift ?? Defaults.Shift;
        if (!(shift > 0) || double.IsInfinity(shift)) throw new UsageException($"--shift ({shift}) must be positive");
        string sampler = (request.Sampler ?? Defaults.Sampler).ToLowerInvariant();
        if (!Samplers.Contains(sampler, StringComparer.Ordinal))
            throw new UsageException($"unknown sampler '{request.Sampler}'; available: {string.Join(", ", Samplers)}");
        int width = request.Width ?? Defaults.Width, height = request.Height ?? Defaults.Height;
        if (width < 1 || height < 1) throw new UsageException("--size must be WxH with positive integers");
        int frames = request.Frames ?? Defaults.Frames;
        if (frames < 1) throw new UsageException($"--frames ({frames}) must be at least 1");
        if (request.PreviewEvery < 0) throw new UsageException($"PreviewEvery ({request.PreviewEvery}) must be 0 (no previews) or a positive number of steps");
        var latent = LatentShape(width, height, frames);
        string? negative = request.NegativePrompt ?? Defaults.NegativePrompt;
        CheckPrompt(request.Prompt, negative);
        var resolved = new GenerationSettings
        {
            Prompt = request.Prompt,
            NegativePrompt = negative,
            Steps = steps,
            Seed = request.Seed,
            Guidance = guidance,
            Shift = shift,
            Sampler = sampler,
            Width = width,
            Height = height,
            Frames = frames,
            LatentShape = latent,
            BatchBranches = request.BatchBranches ?? Defaults.BatchBranches,
            Cfg = UsesClassifierFreeGuidance && guidance != 1.0,
            PreviewEvery = request.PreviewEvery,
        };
        CheckSettings(resolved, request);
        return resolved;
    }

    /// <summary>Family-specific checks of resolved settings against the request (a <see cref="UsageException"/> with one
    /// line naming the option); by default none.</summary>
    protected virtual void CheckSettings(GenerationSettings settings, GenerationRequest request)
    {
    }

    /// <summary>Latent [C, T, H, W] for an output of <paramref name="width"/>x<paramref name="height"/> and
    /// <paramref name="frames"/> frames; an <see cref="ArgumentException"/> with one line when the sizes do not fit.</summary>
    protected abstract long[] LatentShape(int width, int height, int frames);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the prompt when the model cannot take it.</summary>
    protected abstract void CheckPrompt(string prompt, string? negativePrompt);

    public abstract TransformerDescriptor Describe(GenerationSettings settings);

    public void CheckAccelerator(GenerationSettings settings, IAccelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(accelerator);
        accelerator.Validate(Describe(settings), settings.Steps, settings.Cfg ? BothRows : CondRows);
    }

    public Tensor InitialNoise(GenerationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var gen = new Generator((ulong)settings.Seed);
        using var scope = NewDisposeScope();
        var cpu = torch.randn(settings.LatentShape, dtype: ScalarType.Float32, generator: gen);
        return cpu.to(Device).clone().MoveToOuterDisposeScope();
    }

    public abstract IReadOnlyList<EncodedCondition> EncodeConditions(IReadOnlyList<GenerationSettings> settings,
        IProgress<GenerationProgress>? progress = null, CancellationToken cancel = default);

    /// <summary>The denoiser, loaded on first use (reporting <see cref="GenerationStage.Load"/> when it loads).</summary>
    protected abstract IDiffusionTransformer Transformer(IProgress<GenerationProgress>? progress);

    /// <summary>Builds a model with <paramref name="build"/>, loads its weights with <paramref name="load"/> and sets eval mode;
    /// the model is disposed when loading fails.</summary>
    protected static TModel LoadModel<TModel>(Func<TModel> build, Action<TModel> load) where TModel : nn.Module
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(load);
        var model = build();
        try
        {
            load(model);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The sampler of a run: by default <see cref="Core.Sampling.Samplers.Create"/> with the settings' name and shift.</summary>
    protected virtual Sampler CreateSampler(GenerationSettings settings) => Core.Sampling.Samplers.Create(settings.Sampler, settings.Shift);

    /// <summary>Cond and uncond contexts (batch 1 each) as one batch of 2 for batched guidance.</summary>
    protected virtual Tensor BatchContexts(Tensor cond, Tensor uncond) => torch.cat([cond, uncond], 0);

    public GenerationResult Denoise(GenerationSettings settings, EncodedCondition condition, IAccelerator accelerator,
        IProgress<GenerationProgress>? progress = null, Action<StepInfo, Tensor, Tensor>? observe = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(accelerator);
        if (!condition.Fits(settings))
            throw new ArgumentException(condition.Prompt == settings.Prompt && condition.NegativePrompt == settings.NegativePrompt
                ? "the condition was encoded without an unconditional branch, but this request uses classifier-free guidance"
                : $"the condition was encoded for prompt '{condition.Prompt}', not for this request's '{settings.Prompt}'");
        var model = Transformer(progress);
        using var noGrad = torch.no_grad();
        var descriptor = model.Describe(settings.LatentShape);
        int steps = settings.Steps;
        using var run = CreateSampler(settings).Start(steps, descriptor.TokenCount);
        var schedule = run.Schedule;
        var sigmas = schedule.Sigmas.ToArray();
        using var batched = settings.Cfg && settings.BatchBranches ? BatchContexts(condition.Cond, condition.Uncond!) : null;
        using var caches = new RunCaches();
        using var noise = InitialNoise(settings);
        var plan = new GenerationPlan(steps, sigmas, settings.Cfg ? BothRows : CondRows, noise);
        var phases = new StepPhases(accelerator, steps);

        var records = new List<StepRecord>(steps);
        var x = noise.clone();
        x.DetachFromDisposeScope();
        bool cuda = Device.type == DeviceType.CUDA;
        var total = Stopwatch.StartNew();
        AcceleratorReport report;
        try
        {
            using var session = accelerator.Begin(descriptor, plan);
            for (int i = 0; i < steps; i++)
            {
                cancel.ThrowIfCancellationRequested();
                var stepWatch = Stopwatch.StartNew();
                using var scope = NewDisposeScope();
                var step = new StepInfo(i, steps, sigmas[i], sigmas[i + 1]);
                session.BeginStep(step);
                var v = Velocity(model, session, settings, condition, batched, caches, x, schedule.Timesteps[i]); // [C, T, H, W]
                var summary = session.EndStep(step, v);
                var next = run.Advance(v, i, x);
                if (cuda) torch.cuda.synchronize();
                observe?.Invoke(step, v, next);
                Frame8? preview = null;
                if (progress is not null && PreviewDue(settings.PreviewEvery, i, steps))
                {
                    // The preview is not part of the generation: both clocks pause while it is made.
                    stepWatch.Stop();
                    total.Stop();
                    preview = PredictedPreview(x, v, sigmas[i]);
                    total.Start();
                    stepWatch.Start();
                }
                next.DetachFromDisposeScope();
                x.Dispose();
                x = next;
                records.Add(new StepRecord(i, summary.Level, summary.TokensComputed, stepWatch.Elapsed.TotalSeconds, summary.Note));
                var analysed = progress is not null && summary.Note == "analysis" ? session.Report() : null;
                progress?.Report(new GenerationProgress
                {
                    Stage = GenerationStage.Denoise, Run = accelerator.Name, Step = i + 1, Steps = steps, Phase = phases.Of(step, summary),
                    Level = summary.Level, TokensComputed = summary.TokensComputed, Note = summary.Note, Elapsed = total.Elapsed,
                    TokenLevels = analysed?.TokenLevels, TokenGrid = analysed?.TokenGrid, Preview = preview,
                });
            }
            report = session.Report();
        }
        catch
        {
            x.Dispose();
            throw;
        }
        double latency = total.Elapsed.TotalSeconds;
        var latent = x.to(CPU);
        if (!ReferenceEquals(latent, x)) x.Dispose();
        return new GenerationResult
        {
            Settings = settings,
            Latent = latent,
            LatencySeconds = latency,
            Steps = records,
            Accelerator = report,
            Branches = plan.Branches.Count,
            TokenCount = descriptor.TokenCount,
        };
    }

    public abstract Tensor Decode(Tensor latent, IProgress<GenerationProgress>? progress = null);

    /// <summary>
    /// A small picture of a predicted clean latent x0 [C, T, H, W] (any device, fp32): by default the pipeline's own
    /// <see cref="Decode"/> (cheap for a pixel-space model, whose latent is the picture, and for a small per-frame
    /// autoencoder), shrunk to at most <see cref="PreviewImage.MaxSide"/> pixels a side and laid out frame by frame
    /// (<see cref="PreviewImage.Montage"/>); output channels other than 1 or 3 are shown through
    /// <see cref="LatentRgbProjection.Normalised"/>. A family whose decoder is expensive (a large VAE) overrides it with a cheap
    /// approximation. Every tensor it makes is disposed before it returns.
    /// </summary>
    public virtual Frame8 Preview(Tensor x0)
    {
        ArgumentNullException.ThrowIfNull(x0);
        using var scope = NewDisposeScope();
        var frames = Decode(x0);                                  // [C_out, F, H_out, W_out] in [-1, 1]
        if (frames.shape[0] is not (1 or 3)) frames = LatentRgbProjection.Normalised(frames); // [3, F, H_out, W_out]
        return PreviewImage.Montage(frames);
    }

    /// <summary>True when step <paramref name="index"/> (0-based) of <paramref name="steps"/> sends a preview: every
    /// <paramref name="every"/>-th step and the last one; never when <paramref name="every"/> is 0.</summary>
    internal static bool PreviewDue(int every, int index, int steps) => every > 0 && ((index + 1) % every == 0 || index == steps - 1);

    // The preview of the clean latent predicted at step i: x0 = x_i − σ_i·v_i (flow matching: x_σ = (1 − σ)·x0 + σ·ε and
    // v = ε − x0, the same prediction UniPC makes), made in its own scope so nothing it makes outlives it.
    private Frame8 PredictedPreview(Tensor x, Tensor v, double sigma)
    {
        using var scope = NewDisposeScope();
        using var minusSigma = (-sigma).ToScalar();
        var x0 = x.add(v.to(x.dtype), minusSigma);                // [C, T, H, W]
        return Preview(x0);
    }

    public GenerationResult Generate(GenerationRequest request, IAccelerator? accelerator = null, IProgress<GenerationProgress>? progress = null,
        CancellationToken cancel = default)
    {
        var settings = Resolve(request);
        var accel = accelerator ?? new NoAccelerator();
        CheckAccelerator(settings, accel);
        using var condition = this.EncodeCondition(settings, progress, cancel);
        var result = Denoise(settings, condition, accel, progress, cancel: cancel);
        try
        {
            cancel.ThrowIfCancellationRequested();
            return result with { Output = Decode(result.Latent, progress) };
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    // The guided velocity [C, T, H, W] (fp32) of latent x: v_c alone, or v = v_u + g·(v_c − v_u) with the branches batched
    // into one forward or run one by one.
    private Tensor Velocity(IDiffusionTransformer model, IAcceleratorSession session, GenerationSettings settings, EncodedCondition condition,
        Tensor? batched, RunCaches caches, Tensor x, double timestep)
    {
        if (!settings.Cfg) return Forward(model, session, settings, condition, CondRows, x.unsqueeze(0), timestep, condition.Cond, caches).squeeze(0);
        Tensor vc, vu;
        if (batched is not null)
        {
            var both = Forward(model, session, settings, condition, BothRows, x.unsqueeze(0).expand(2, -1, -1, -1, -1), timestep, batched, caches); // [2, C, T, H, W]
            vc = both[0];
            vu = both[1];
        }
        else
        {
            vc = Forward(model, session, settings, condition, CondRows, x.unsqueeze(0), timestep, condition.Cond, caches).squeeze(0);
            vu = Forward(model, session, settings, condition, UncondRows, x.unsqueeze(0), timestep, condition.Uncond!, caches).squeeze(0);
        }
        using var g = settings.Guidance.ToScalar();
        return vu.add(vc.sub(vu), g);
    }

    // The one call of the model's forward: x [B, C, T, H, W] at one timestep for every row, the branch rows' hooks, the
    // run's cache for this context.
    private Tensor Forward(IDiffusionTransformer model, IAcceleratorSession session, GenerationSettings settings, EncodedCondition condition,
        GuidanceBranch[] rows, Tensor x, double timestep, Tensor context, RunCaches caches)
    {
        using var value = timestep.ToScalar();
        using var t = torch.full([x.shape[0]], value, dtype: ScalarType.Float32, device: Device);
        var hooks = session.Hooks(rows);
        return model.Forward(x, t, ToCondition(context, condition, settings) with { Cache = caches.For(context) }, hooks).to(ScalarType.Float32);
    }

    // One condition cache per context tensor of a run (cond, uncond, or both batched), freed when the run ends.
    private sealed class RunCaches : IDisposable
    {
        private readonly Dictionary<Tensor, ConditionCache> _byContext = new(ReferenceEqualityComparer.Instance);

        public ConditionCache For(Tensor context)
        {
            if (!_byContext.TryGetValue(context, out var cache)) _byContext[context] = cache = new ConditionCache();
            return cache;
        }

        public void Dispose()
        {
            foreach (var cache in _byContext.Values) cache.Dispose();
            _byContext.Clear();
        }
    }

    /// <summary>The model's condition record for one encoded condition tensor of the batch (class ids [B] for the DiT,
    /// text embeddings [B, L, D] for text models); <paramref name="condition"/> and <paramref name="settings"/> supply what
    /// else a model reads (FLUX: the pooled vector and the embedded guidance). Tensors made here belong to the step's
    /// dispose scope.</summary>
    protected abstract DiffusionCondition ToCondition(Tensor context, EncodedCondition condition, GenerationSettings settings);

    /// <summary>Frees what the pipeline loaded.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);
}
