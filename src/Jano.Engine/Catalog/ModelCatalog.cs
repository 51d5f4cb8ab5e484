using Jano.Core;
using Jano.Core.Weights;
using Jano.Engine.Calibration;
using Jano.Engine.Pipelines;
using Jano.Engine.Pipelines.Dit;
using Jano.Engine.Pipelines.Flux;
using Jano.Engine.Pipelines.Wan;
using Jano.Models.Dit;
using Jano.Models.Flux;
using Jano.Models.Wan;
using Jano.Training.Scenes;

namespace Jano.Engine.Catalog;

/// <summary>
/// The models this build knows (<see cref="Entries"/>, one line per model) and how a <c>--model</c> argument resolves:
/// a catalog name (bound to <see cref="AssetsRoot"/>, where shipped weights are looked up; missing weights mean seeded
/// random weights) or a checkpoint folder (opened by the first folder family that claims it).
/// </summary>
public sealed class ModelCatalog
{
    public ModelCatalog(string assetsRoot)
    {
        AssetsRoot = assetsRoot;
    }

    /// <summary>Folder holding <c>models/NAME/model.safetensors</c> and <c>classifiers/</c>.</summary>
    public string AssetsRoot { get; }

    public const string DefaultModel = "scenes-video";

    /// <summary>Every catalog entry, in listing order.</summary>
    public static IReadOnlyList<ModelEntry> Entries { get; } =
    [
        new DitModelEntry
        {
            Name = "fmnist-image",
            Description = "class-conditional Fashion-MNIST images, 32x32 grey (pixel space), patch 1x4x4, 64 tokens",
            Config = new DitConfig { InChannels = 1, OutChannels = 1, Patch = [1, 4, 4], Dim = 192, FfnDim = 768, NumHeads = 3, NumLayers = 6 },
            Defaults = new ModelDefaults { Steps = 20, Shift = 1.0, Guidance = 3.0, Width = 32, Height = 32, Frames = 1 },
            JanoPreset = "warmup_steps=3,cooldown_steps=2,static_thresh=0.2,static_interval=4,medium_thresh=0.5,medium_interval=2,analyze_block_size=1x4x4,t_weight=0,d_distance=2",
            WeightsFile = "models/fmnist-image/model.safetensors",
            Classifier = new EvalClassifier("classifiers/fmnist-image.safetensors", 20),
        },
        new DitModelEntry
        {
            Name = "fmnist-video",
            Description = "class-conditional Fashion-MNIST clips, 8 frames of 32x32 grey, patch 1x4x4, 512 tokens",
            Config = new DitConfig { InChannels = 1, OutChannels = 1, Patch = [1, 4, 4], Dim = 192, FfnDim = 768, NumHeads = 3, NumLayers = 6 },
            Defaults = new ModelDefaults { Steps = 30, Shift = 1.0, Guidance = 3.0, Width = 32, Height = 32, Frames = 8 },
            JanoPreset = "warmup_steps=3,cooldown_steps=2,static_thresh=0.3,static_interval=10,medium_thresh=0.7,medium_interval=5,analyze_block_size=2x4x4,t_weight=0.7,d_distance=1",
            WeightsFile = "models/fmnist-video/model.safetensors",
            Classifier = new EvalClassifier("classifiers/fmnist-video-frames.safetensors", 5),
        },
        new DitModelEntry
        {
            Name = "scenes-video",
            Description = "class-conditional scenes: a Fashion-MNIST item moving over a static background, 8 frames of 64x64 RGB; " +
                          "latent DiT (16x16x8 latents, patch 1x2x2, 512 tokens) decoded by its frame autoencoder",
            Config = SceneVideoModel.Dit,
            // guidance and shift fixed on full compute alone (scripts/eval-sweep.sh, docs/scenes-video.md), before any accelerator ran
            Defaults = new ModelDefaults { Steps = 30, Shift = 3.0, Guidance = 3.0, Width = 64, Height = 64, Frames = 8 },
            // thresholds chosen on calibration seeds only: the fastest predicted pair whose calibration PSNR stays >= 30 dB
            JanoPreset = "warmup_steps=3,cooldown_steps=2,static_thresh=0.3,static_interval=10,medium_thresh=0.7,medium_interval=5,analyze_block_size=2x4x4,t_weight=0.7,d_distance=1",
            WeightsFile = "models/scenes-video/model.safetensors",
            AutoencoderFolder = "models/scenes-video/autoencoder",
            Classifier = new EvalClassifier("classifiers/scenes-video-frames.safetensors", 5)
            {
                RealFrames = (directory, frames) => new SceneRealFrames(directory, frames),
            },
        },
        new WanModelEntry
        {
            Name = "wan2.1-t2v-1.3b",
            Description = "Wan2.1 text-to-video 1.3B (1536 wide, 30 layers), 832x480, 81 frames, UniPC",
            Config = WanConfig.T2V_1_3B,
            Defaults = WanModelEntry.WanDefaults,
            JanoPreset = WanModelEntry.WanJanoPreset,
        },
        new WanModelEntry
        {
            Name = "wan2.1-t2v-14b",
            Description = "Wan2.1 text-to-video 14B (5120 wide, 40 layers), 1280x720, 81 frames, UniPC",
            Config = WanConfig.T2V_14B,
            Defaults = WanModelEntry.WanDefaults with { Width = 1280, Height = 720 },
            JanoPreset = WanModelEntry.WanJanoPreset,
        },
        new FluxModelEntry
        {
            Name = "flux.1-dev",
            Description = "FLUX.1-dev text-to-image 12B (19 double + 38 single blocks, 3072 wide), 1024x1024, 50 steps, guidance 3.5 embedded",
            Config = FluxConfig.Dev,
            Defaults = FluxModelEntry.DevDefaults,
            JanoPreset = FluxModelEntry.FluxJanoPreset,
        },
        new FluxModelEntry
        {
            Name = "flux.1-schnell",
            Description = "FLUX.1-schnell text-to-image 12B (no guidance embedding), 1024x1024, 4 steps unshifted",
            Config = FluxConfig.Schnell,
            Defaults = FluxModelEntry.SchnellDefaults,
            JanoPreset = FluxModelEntry.FluxJanoPreset,
        },
    ];

    // Folder families, asked in order; the first non-null entry wins. FLUX claims folders that look like FLUX (its transformer
    // or VAE file, or a Flux model_index.json); Wan (last) claims every folder, so an unknown folder gets Wan's inspect message.
    private static readonly Func<string, ModelEntry?>[] FolderFamilies = [FluxModelEntry.FromFolder, WanModelEntry.FromFolder];

    /// <summary>The catalog entry named <paramref name="name"/> (case-insensitive), not bound to an assets folder; unknown
    /// names are an <see cref="ArgumentException"/> listing the valid ones.</summary>
    public static ModelEntry Find(string name) =>
        Entries.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new UsageException($"unknown model '{name}'; available: {string.Join(", ", Entries.Select(s => s.Name))} (or a checkpoint folder)");

    /// <summary>The Wan entry whose architecture equals <paramref name="config"/>'s (width, depth, heads, MLP width), or null.</summary>
    public static WanModelEntry? FindWan(WanConfig config) =>
        Entries.OfType<WanModelEntry>().FirstOrDefault(s => s.Config.Dim == config.Dim && s.Config.NumLayers == config.NumLayers
                                                            && s.Config.NumHeads == config.NumHeads && s.Config.FfnDim == config.FfnDim);

    /// <summary>A <c>--model</c> argument: an existing folder is opened as a checkpoint folder (its family's checks run
    /// first), anything else is a catalog name bound to <see cref="AssetsRoot"/>.</summary>
    public ModelEntry Resolve(string nameOrFolder)
    {
        ArgumentNullException.ThrowIfNull(nameOrFolder);
        if (Directory.Exists(nameOrFolder))
        {
            foreach (var open in FolderFamilies)
                if (open(nameOrFolder) is { } entry) return Bind(entry);
            throw new UsageException($"'{nameOrFolder}' is not a checkpoint folder of a known model family");
        }
        return Bind(Find(nameOrFolder));
    }

    /// <summary><paramref name="entry"/> with its assets looked up under <see cref="AssetsRoot"/>.</summary>
    public ModelEntry Bind(ModelEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry with { AssetsRoot = AssetsRoot };
    }

    /// <summary>Builds <paramref name="entry"/>'s pipeline with its assets under <see cref="AssetsRoot"/>.</summary>
    public IDiffusionPipeline Load(ModelEntry entry, LoadOptions options) => Bind(entry).CreatePipeline(options);

    /// <summary><c>calibration.json</c> of <paramref name="entry"/> under this catalog's assets.</summary>
    public string CalibrationPath(ModelEntry entry) => Bind(entry).CalibrationPath;

    /// <summary>The entry's calibration under this catalog's assets, or null when none was written.</summary>
    public ModelCalibration? Calibration(ModelEntry entry) => Bind(entry).LoadCalibration();
}
