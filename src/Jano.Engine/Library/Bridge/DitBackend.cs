using Jano.Core.Acceleration;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Jano.Engine.Output;
using Jano.Engine.Pipelines;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Bridge;

/// <summary>A catalog model (the Fashion-MNIST DiTs): <see cref="LoadedModel"/> and its <see cref="FlowPipeline"/>, pixel
/// space, Euler. Validation follows <c>GenerateJob.Prepare</c> field by field.</summary>
internal sealed class DitBackend : ModelBackend
{
    private readonly ModelCatalog _catalog;
    private readonly LoadedModel _loaded;

    private DitBackend(ModelCatalog catalog, LoadedModel loaded, JanoModelInfo info)
    {
        _catalog = catalog;
        _loaded = loaded;
        Info = info;
    }

    public static DitBackend Load(ModelSpec spec, ModelCatalog catalog, Device device, ScalarType dtype)
    {
        var loaded = catalog.Load(spec, new LoadOptions(device, dtype));
        var info = new JanoModelInfo
        {
            Name = spec.Name,
            Description = spec.Description,
            Width = spec.Width,
            Height = spec.Height,
            Frames = spec.Frames,
            Steps = spec.Steps,
            Guidance = spec.Guidance,
            Shift = spec.Shift,
            Fps = spec.Fps,
            JanoPreset = spec.JanoPreset,
            Prompts = FashionMnistClasses.Names,
            HasWeights = catalog.HasWeights(spec),
        };
        return new DitBackend(catalog, loaded, info);
    }

    public override JanoModelInfo Info { get; }

    public override string WeightsSource => _loaded.WeightsSource;

    public override string Device => _loaded.Model.Device.type.ToString().ToLowerInvariant();

    public override string DType => RuntimeSettings.DTypeName(_loaded.Model.DType);

    public override IAccelerator CreateAccelerator(string name, string? options) =>
        AcceleratorCatalog.Create(name, _loaded.Spec, options, _catalog.Calibration(_loaded.Spec));

    public override PreparedRun Prepare(JanoRequest r)
    {
        CheckCommon(r);
        if (r.Sampler is not null && !string.Equals(r.Sampler, "euler", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"sampler {r.Sampler} needs a Wan2.1 checkpoint folder; '{Info.Name}' samples with euler");
        var spec = _loaded.Spec;
        var shape = (long[])spec.LatentShape.Clone();                                   // [C, T, H, W]
        if (r.Width is { } w && r.Height is { } h)
        {
            shape[2] = h;
            shape[3] = w;
        }
        if (r.Frames is { } frames) shape[1] = frames;
        var p = spec.Config.Patch;
        if (shape[1] % p[0] != 0 || shape[2] % p[1] != 0 || shape[3] % p[2] != 0)
            throw new ArgumentException($"size {shape[3]}x{shape[2]} with {shape[1]} frames is not a multiple of the model's patch ({p[0]}x{p[1]}x{p[2]})");
        var accel = CreateAccelerator(r.Accelerator, r.AcceleratorOptions);
        var request = new GenerationRequest
        {
            Prompt = r.Prompt,
            NegativePrompt = r.NegativePrompt,
            Steps = r.Steps ?? spec.Steps,
            Seed = r.Seed,
            Guidance = r.Guidance ?? spec.Guidance,
            Shift = r.Shift ?? spec.Shift,
            LatentShape = shape,
            BatchBranches = r.BatchBranches,
        };
        // The accelerator against this model and run, and the prompts, before any compute.
        var descriptor = _loaded.Model.Describe(shape);
        using (var noise = torch.zeros(shape))
        using (accel.Begin(descriptor, ValidationPlan(request, noise)))
        {
        }
        _loaded.Encoder.Encode(request.Prompt).Dispose();
        if (request.NegativePrompt is not null) _loaded.Encoder.EncodeUnconditional(request.NegativePrompt).Dispose();
        return new PreparedRun(request, accel, "euler");
    }

    public override IBackendRun Start(PreparedRun run, Action<string> onPhase) => new Run(_loaded.Pipeline);

    public override IReadOnlyList<Frame8>? LevelMap(IReadOnlyList<Frame8> frames, AcceleratorReport report) =>
        report.TokenLevels is { } levels && report.TokenGrid is { } grid
            ? LevelMapRenderer.Render(frames, levels, grid, _loaded.Spec.Config.PatchSize, scale: 8)
            : null;

    public override void Dispose() => _loaded.Dispose();

    private sealed class Run(FlowPipeline pipeline) : IBackendRun
    {
        public GenerationResult Generate(GenerationRequest request, IAccelerator accelerator, Action<int, int> onStep, CancellationToken cancel) =>
            pipeline.Generate(request, accelerator, onStep, cancel: cancel);

        // Pixel space: the latent is the clip.
        public Tensor Decode(Tensor latent) => latent.alias();

        public void Dispose()
        {
        }
    }
}
