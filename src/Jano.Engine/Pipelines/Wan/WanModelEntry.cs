using Jano.Core;
using Jano.Core.Sampling;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Jano.Models.Wan;
using static TorchSharp.torch;

namespace Jano.Engine.Pipelines.Wan;

/// <summary>
/// A Wan2.1 text-to-video entry: architecture, the official sampling defaults (UniPC, shift 5, guidance 5, Wan's negative
/// prompt, branches one by one, bf16) and the authors' Jano preset. Weights are never shipped: <see cref="FromFolder"/>
/// resolves a checkpoint folder to the entry whose architecture it holds (or a custom one) with <see cref="Folder"/> set.
/// </summary>
public sealed record WanModelEntry : ModelEntry
{
    /// <summary>Name of an entry made for a folder whose config matches no catalog entry.</summary>
    public const string CustomName = "wan2.1-t2v (custom)";

    /// <summary>Text prompts the bench, calibration and the study spread over.</summary>
    public static IReadOnlyList<string> Prompts { get; } =
    [
        "a red fox trots through fresh snow at dawn",
        "waves roll onto a rocky beach under a grey sky",
        "a street musician plays violin on a busy corner",
        "a paper boat drifts down a rain-filled gutter",
        "hot air balloons rise over green hills",
        "a cat watches fish in an aquarium",
        "a chef slices vegetables on a wooden board",
        "city lights flicker on as evening falls",
        "a cyclist rides along a mountain road",
        "leaves blow across an empty park bench",
    ];

    /// <summary>The Wan defaults at 832x480, 81 frames.</summary>
    public static ModelDefaults WanDefaults { get; } = new()
    {
        Steps = 50,
        Guidance = 5.0,
        Shift = 5.0,
        Width = 832,
        Height = 480,
        Frames = 81,
        Sampler = Samplers.UniPc,
        NegativePrompt = WanPipeline.DefaultNegativePrompt,
        BatchBranches = false,
        Fps = 16,
        DType = ScalarType.BFloat16,
    };

    /// <summary>The authors' Jano settings for Wan2.1.</summary>
    public const string WanJanoPreset =
        "warmup_steps=6,cooldown_steps=4,analyze_block_size=7x6x8,static_thresh=0.2,static_interval=6,medium_thresh=0.6,medium_interval=3,t_weight=0.7,d_distance=1";

    public required WanConfig Config { get; init; }

    /// <summary>The checkpoint folder (full path) once resolved from one; null for the bare catalog line.</summary>
    public string? Folder { get; init; }

    public override string Family => "wan2.1";

    public override IReadOnlyList<string> SamplePrompts => Prompts;

    public override bool HasWeights => Folder is not null;

    public override string WeightsStatus => Folder ?? "bring your own (--model PATH)";

    /// <summary><c>calibration.json</c> in the checkpoint folder (under <c>models/NAME/</c> of the assets without one).</summary>
    public override string CalibrationPath =>
        Folder is null ? Path.Combine(AssetsRoot, "models", Name, "calibration.json") : Path.Combine(Folder, "calibration.json");

    public override IDiffusionPipeline CreatePipeline(LoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Folder is null)
            throw new UsageException($"{Name}: weights are not shipped; pass the release folder with --model PATH (`jano inspect PATH` checks it)");
        return new WanPipeline(Folder, options.Device, options.DType ?? Defaults.DType, Defaults);
    }

    /// <summary>
    /// The entry for a checkpoint folder: <c>jano inspect</c>'s checks first (an incomplete folder, or placeholder files, is an
    /// <see cref="InvalidDataException"/> with inspect's one line), then the catalog entry with the same architecture as its
    /// <c>config.json</c>, or a custom entry with the 1.3B model's defaults.
    /// </summary>
    public static WanModelEntry FromFolder(string folder)
    {
        var inspect = InspectJob.Run(folder);
        if (!inspect.Complete) throw new InvalidDataException(inspect.Summary);
        var placeholders = inspect.Items.Where(i => i.Status == "placeholder").Select(i => i.Name).ToList();
        if (placeholders.Count > 0)
            throw new InvalidDataException($"{inspect.Folder}: incomplete {inspect.Layout} checkpoint: placeholder {string.Join(", ", placeholders)}");
        var config = WanCheckpointLayout.Of(inspect.Folder).ReadConfig();
        var entry = ModelCatalog.FindWan(config)
                    ?? ((WanModelEntry)ModelCatalog.Find("wan2.1-t2v-1.3b") with { Name = CustomName });
        return entry with { Config = config, Folder = inspect.Folder };
    }
}
