using Jano.Core;
using Jano.Core.Weights;
using Jano.Engine.Calibration;
using Jano.Models.Dit;
using Jano.Models.Wan;

namespace Jano.Engine.Catalog;

/// <summary>Named models. Weights are looked up under <see cref="AssetsRoot"/>; missing weights mean seeded random weights.</summary>
public sealed class ModelCatalog
{
    public ModelCatalog(string assetsRoot)
    {
        AssetsRoot = assetsRoot;
    }

    /// <summary>Folder holding <c>models/NAME/model.safetensors</c>.</summary>
    public string AssetsRoot { get; }

    public const string DefaultModel = "fmnist-video";

    public static IReadOnlyList<ModelSpec> Specs { get; } =
    [
        new ModelSpec
        {
            Name = "fmnist-image",
            Description = "class-conditional Fashion-MNIST images, 32x32 grey (pixel space), patch 1x4x4, 64 tokens",
            Config = new DitConfig { InChannels = 1, OutChannels = 1, Patch = [1, 4, 4], Dim = 192, FfnDim = 768, NumHeads = 3, NumLayers = 6 },
            LatentShape = [1, 1, 32, 32],
            Steps = 20,
            Shift = 1.0,
            Guidance = 3.0,
            JanoPreset = "warmup_steps=3,cooldown_steps=2,static_thresh=0.2,static_interval=4,medium_thresh=0.5,medium_interval=2,analyze_block_size=1x4x4,t_weight=0,d_distance=2",
            WeightsFile = "models/fmnist-image/model.safetensors",
            ClassifierFile = "classifiers/fmnist-image.safetensors",
            EvalSamplesPerClass = 20,
        },
        new ModelSpec
        {
            Name = "fmnist-video",
            Description = "class-conditional Fashion-MNIST clips, 8 frames of 32x32 grey, patch 1x4x4, 512 tokens",
            Config = new DitConfig { InChannels = 1, OutChannels = 1, Patch = [1, 4, 4], Dim = 192, FfnDim = 768, NumHeads = 3, NumLayers = 6 },
            LatentShape = [1, 8, 32, 32],
            Steps = 30,
            Shift = 1.0,
            Guidance = 3.0,
            JanoPreset = "warmup_steps=3,cooldown_steps=2,static_thresh=0.3,static_interval=10,medium_thresh=0.7,medium_interval=5,analyze_block_size=2x4x4,t_weight=0.7,d_distance=1",
            WeightsFile = "models/fmnist-video/model.safetensors",
            ClassifierFile = "classifiers/fmnist-video-frames.safetensors",
            EvalSamplesPerClass = 5,
        },
    ];

    /// <summary>Wan2.1 text-to-video entries (weights: bring your own, <c>jano generate --model PATH</c>).</summary>
    public static IReadOnlyList<WanModelSpec> WanSpecs { get; } =
    [
        new WanModelSpec
        {
            Name = "wan2.1-t2v-1.3b",
            Description = "Wan2.1 text-to-video 1.3B (1536 wide, 30 layers), 832x480, 81 frames, UniPC",
            Config = WanConfig.T2V_1_3B,
        },
        new WanModelSpec
        {
            Name = "wan2.1-t2v-14b",
            Description = "Wan2.1 text-to-video 14B (5120 wide, 40 layers), 1280x720, 81 frames, UniPC",
            Config = WanConfig.T2V_14B,
            Width = 1280,
            Height = 720,
        },
    ];

    /// <summary>The Wan entry whose architecture equals <paramref name="config"/>'s (width, depth, heads), or null.</summary>
    public static WanModelSpec? FindWan(WanConfig config) =>
        WanSpecs.FirstOrDefault(s => s.Config.Dim == config.Dim && s.Config.NumLayers == config.NumLayers
                                     && s.Config.NumHeads == config.NumHeads && s.Config.FfnDim == config.FfnDim);

    /// <summary>The spec named <paramref name="name"/>; unknown names are an <see cref="UsageException"/> listing the valid ones.</summary>
    public static ModelSpec Find(string name) =>
        Specs.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new UsageException($"unknown model '{name}'; available: {string.Join(", ", Specs.Select(s => s.Name))}");

    public string WeightsPath(ModelSpec spec) => Path.Combine(AssetsRoot, spec.WeightsFile);

    /// <summary>Full path of the model's evaluation classifier.</summary>
    public string ClassifierPath(ModelSpec spec) => Path.Combine(AssetsRoot, spec.ClassifierFile);

    /// <summary><c>calibration.json</c> beside the model's weights (written by <c>jano calibrate</c>).</summary>
    public string CalibrationPath(ModelSpec spec) =>
        Path.Combine(AssetsRoot, spec.WeightsFile.Length > 0 ? Path.GetDirectoryName(spec.WeightsFile)! : Path.Combine("models", spec.Name), "calibration.json");

    /// <summary>The model's calibration, or null when none was written.</summary>
    public ModelCalibration? Calibration(ModelSpec spec)
    {
        var path = CalibrationPath(spec);
        return File.Exists(path) ? ModelCalibration.Load(path) : null;
    }

    public bool HasWeights(ModelSpec spec) => spec.WeightsFile.Length > 0 && File.Exists(WeightsPath(spec));

    /// <summary>Builds the model (trained weights when shipped, else seeded random weights) and its prompt encoder.</summary>
    public LoadedModel Load(ModelSpec spec, LoadOptions options)
    {
        var model = new DitModel(spec.Config, options.Device, options.DType);
        try
        {
            string source;
            if (HasWeights(spec))
            {
                var path = WeightsPath(spec);
                WeightLoader.LoadInto(model, [path]);
                source = path;
            }
            else
            {
                model.InitializeWeights(spec.RandomSeed);
                source = $"random (seed {spec.RandomSeed})";
            }
            model.eval();
            var encoder = new ClassLabelEncoder(FashionMnistClasses.Names, FashionMnistClasses.Lookup, model.NullClass, options.Device);
            return new LoadedModel(spec, model, encoder, source);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
