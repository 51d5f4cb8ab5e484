using Jano.Core.Acceleration;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Jano.Engine.Output;
using Jano.Engine.Pipelines;
using Jano.Models.Wan;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Bridge;

/// <summary>A Wan2.1-T2V checkpoint folder: <see cref="WanPipeline"/> (umT5 encoder per call, the DiT loaded on the first
/// call and kept, the VAE per decode). Validation follows <c>GenerateJob.PrepareWan</c>.</summary>
internal sealed class WanBackend : ModelBackend
{
    private readonly WanPipeline _wan;
    private readonly WanModelSpec _entry;
    private readonly string _folder;

    private WanBackend(WanPipeline wan, WanModelSpec entry, string folder)
    {
        _wan = wan;
        _entry = entry;
        _folder = folder;
        Info = new JanoModelInfo
        {
            Name = entry.Name,
            Description = entry.Description,
            Width = entry.Width,
            Height = entry.Height,
            Frames = entry.Frames,
            Steps = entry.Steps,
            Guidance = entry.Guidance,
            Shift = entry.Shift,
            Fps = entry.Fps,
            JanoPreset = entry.JanoPreset,
            Prompts = null,
            HasWeights = true,
        };
    }

    /// <summary>Checks the folder like <c>jano inspect</c> (an incomplete one is an <see cref="InvalidDataException"/> with
    /// the inspect line) and reads its config; nothing is loaded yet.</summary>
    public static WanBackend Load(string folder, Device device, ScalarType dtype)
    {
        var inspect = InspectJob.Run(folder);
        if (!inspect.Complete) throw new InvalidDataException(inspect.Summary);
        var placeholders = inspect.Items.Where(i => i.Status == "placeholder").Select(i => i.Name).ToList();
        if (placeholders.Count > 0)
            throw new InvalidDataException($"{inspect.Folder}: incomplete {inspect.Layout} checkpoint: placeholder {string.Join(", ", placeholders)}");
        var wan = new WanPipeline(folder, device, dtype);
        var entry = ModelCatalog.FindWan(wan.Config) ?? ModelCatalog.WanSpecs[0] with { Name = "wan2.1-t2v (custom)", Config = wan.Config };
        return new WanBackend(wan, entry, inspect.Folder);
    }

    public override JanoModelInfo Info { get; }

    public override string WeightsSource => _folder;

    public override string Device => _wan.Device.type.ToString().ToLowerInvariant();

    public override string DType => RuntimeSettings.DTypeName(_wan.DType);

    public override IAccelerator CreateAccelerator(string name, string? options) =>
        AcceleratorCatalog.Create(name, _entry.JanoPreset, options);

    public override PreparedRun Prepare(JanoRequest r)
    {
        CheckCommon(r);
        string sampler = (r.Sampler ?? "unipc").ToLowerInvariant();
        if (sampler is not ("unipc" or "euler")) throw new ArgumentException($"unknown sampler '{r.Sampler}'; available: unipc, euler");
        var shape = WanPipeline.LatentShape(_wan.Config, r.Width ?? _entry.Width, r.Height ?? _entry.Height, r.Frames ?? _entry.Frames);
        var accel = CreateAccelerator(r.Accelerator, r.AcceleratorOptions);
        var request = new GenerationRequest
        {
            Prompt = r.Prompt,
            NegativePrompt = r.NegativePrompt ?? WanPipeline.DefaultNegativePrompt,
            Steps = r.Steps ?? _entry.Steps,
            Seed = r.Seed,
            Guidance = r.Guidance ?? _entry.Guidance,
            Shift = r.Shift ?? _entry.Shift,
            LatentShape = shape,
            BatchBranches = false,
        };
        using (var meta = new WanModel(_wan.Config, torch.META))
        using (var noise = torch.zeros(shape))
        using (accel.Begin(meta.Describe(shape), ValidationPlan(request, noise)))
        {
        }
        return new PreparedRun(request, accel, sampler);
    }

    public override IBackendRun Start(PreparedRun run, Action<string> onPhase)
    {
        onPhase("encode");
        var (cond, uncond) = _wan.EncodePrompts(run.Request.Prompt, run.Request.NegativePrompt ?? WanPipeline.DefaultNegativePrompt);
        try
        {
            onPhase("load");
            _wan.LoadTransformer();
            return new Run(_wan, cond, uncond, run.Sampler);
        }
        catch
        {
            cond.Dispose();
            uncond.Dispose();
            throw;
        }
    }

    // The tokens are VAE-compressed latent patches, not pixel patches: no level map (as `jano generate`).
    public override IReadOnlyList<Frame8>? LevelMap(IReadOnlyList<Frame8> frames, AcceleratorReport report) => null;

    public override void Dispose() => _wan.Dispose();

    private sealed class Run(WanPipeline wan, Tensor cond, Tensor uncond, string sampler) : IBackendRun
    {
        public GenerationResult Generate(GenerationRequest request, IAccelerator accelerator, Action<int, int> onStep, CancellationToken cancel) =>
            wan.Generate(request, cond, uncond, sampler, accelerator, onStep, cancel);

        public Tensor Decode(Tensor latent) => wan.Decode(latent);

        public void Dispose()
        {
            cond.Dispose();
            uncond.Dispose();
        }
    }
}
