using Jano.Core;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Jano.Models.Flux;
using static TorchSharp.torch;

namespace Jano.Engine.Pipelines.Flux;

/// <summary>
/// A FLUX.1 entry: architecture, the official sampling defaults (dev: 50 steps, embedded guidance 3.5; schnell: 4 steps, no
/// guidance; 1024x1024, Euler, bf16) and the authors' Jano preset. Weights are never shipped: <see cref="FromFolder"/> resolves a
/// checkpoint folder (official or Diffusers layout) to the entry whose architecture it holds (or a custom one) with
/// <see cref="Folder"/> set.
/// </summary>
public sealed record FluxModelEntry : ModelEntry
{
    /// <summary>Name of an entry made for a folder whose config matches no catalog entry.</summary>
    public const string CustomName = "flux.1 (custom)";

    /// <summary>Text prompts the bench, calibration and the study spread over.</summary>
    public static IReadOnlyList<string> Prompts { get; } =
    [
        "a red fox sitting in fresh snow at dawn, photograph",
        "a bowl of ramen on a wooden table, soft window light",
        "an old lighthouse on a rocky coast under storm clouds",
        "a watercolor painting of a city street in the rain",
        "a close-up portrait of an elderly fisherman, film grain",
        "a glass teapot with blooming tea on a marble counter",
        "a mountain lake reflecting pine trees at sunrise",
        "a robot reading a book in a library, digital art",
        "a field of sunflowers under a blue summer sky",
        "a neon sign that says OPEN in a dark alley",
    ];

    /// <summary>FLUX.1-dev's defaults (the official CLI): 1024x1024, 50 steps, embedded guidance 3.5, Euler, bf16.</summary>
    public static ModelDefaults DevDefaults { get; } = new()
    {
        Steps = 50,
        Guidance = 3.5,
        Shift = 1.0,
        Width = 1024,
        Height = 1024,
        Frames = 1,
        Sampler = Core.Sampling.Samplers.Euler,
        DType = ScalarType.BFloat16,
    };

    /// <summary>FLUX.1-schnell's defaults: 4 steps, no guidance.</summary>
    public static ModelDefaults SchnellDefaults { get; } = DevDefaults with { Steps = 4, Guidance = 1.0 };

    /// <summary>The authors' Jano settings for FLUX.1-dev: warm-up 7, cool-down 2, analysis block 1x8x8 of the latent
    /// (H/128 x W/128 at 1024x1024), t_weight 0, d_distance 2, thresholds 0.2 / 0.4, intervals 12 / 4.</summary>
    public const string FluxJanoPreset =
        "warmup_steps=7,cooldown_steps=2,analyze_block_size=1x8x8,static_thresh=0.2,static_interval=12,medium_thresh=0.4,medium_interval=4,t_weight=0,d_distance=2";

    /// <summary>TeaCache on FLUX: the coefficients TeaCache4FLUX fitted (<c>coefficients=flux</c>) at its 1.8x threshold 0.4.</summary>
    public const string FluxTeaCachePreset = "coefficients=flux,rel_l1_thresh=0.4";

    public required FluxConfig Config { get; init; }

    /// <summary>The checkpoint folder (full path) once resolved from one; null for the bare catalog line.</summary>
    public string? Folder { get; init; }

    public override string Family => FluxPipeline.FamilyName;

    public override IReadOnlyList<string> SamplePrompts => Prompts;

    public override bool HasWeights => Folder is not null;

    public override string WeightsStatus => Folder ?? "bring your own (--model PATH)";

    public override IReadOnlyDictionary<string, string> MethodPresets { get; } =
        new Dictionary<string, string>(StringComparer.Ordinal) { ["teacache"] = FluxTeaCachePreset };

    /// <summary><c>calibration.json</c> in the checkpoint folder (under <c>models/NAME/</c> of the assets without one).</summary>
    public override string CalibrationPath =>
        Folder is null ? Path.Combine(AssetsRoot, "models", Name, "calibration.json") : Path.Combine(Folder, "calibration.json");

    public override IDiffusionPipeline CreatePipeline(LoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Folder is null)
            throw new UsageException($"{Name}: weights are not shipped; pass a FLUX.1 folder (official or Diffusers layout) with --model PATH (`jano inspect PATH` checks it)");
        return new FluxPipeline(Folder, options.Device, options.DType ?? Defaults.DType, Defaults);
    }

    /// <summary>
    /// The entry for <paramref name="folder"/> when it is a FLUX.1 folder (<see cref="FluxCheckpointLayout.Claims"/>), else null:
    /// <c>jano inspect</c>'s checks first (an incomplete folder or placeholder files is an <see cref="InvalidDataException"/>
    /// with inspect's one line), then the catalog entry with the same architecture and guidance, or a custom entry with the dev
    /// or schnell defaults.
    /// </summary>
    public static FluxModelEntry? FromFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!FluxCheckpointLayout.Claims(folder)) return null;
        var layout = FluxCheckpointLayout.Of(folder);
        var inspect = FluxInspection.Run(layout);
        if (!inspect.Complete) throw new InvalidDataException(inspect.Summary);
        var placeholders = inspect.Items.Where(i => i.Status == "placeholder").Select(i => i.Name).ToList();
        if (placeholders.Count > 0)
            throw new InvalidDataException($"{inspect.Folder}: incomplete {inspect.Layout} checkpoint: placeholder {string.Join(", ", placeholders)}");
        var config = layout.ReadTransformerConfig();
        var entry = ModelCatalog.Entries.OfType<FluxModelEntry>().FirstOrDefault(e => e.Config.Equals(config))
                    ?? ((FluxModelEntry)ModelCatalog.Find(config.GuidanceEmbed ? "flux.1-dev" : "flux.1-schnell") with { Name = CustomName });
        return entry with { Config = config, Folder = inspect.Folder };
    }
}
