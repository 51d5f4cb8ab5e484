using Jano.Core;
using Jano.Core.Weights;
using Jano.Engine.Catalog;
using Jano.Models.Dit;

namespace Jano.Engine.Pipelines.Dit;

/// <summary>
/// A class-conditional DiT in the catalog (the Fashion-MNIST models): architecture, defaults, Jano preset, shipped weights
/// under the assets folder (seeded random weights when the file is missing), evaluation classifier.
/// </summary>
public sealed record DitModelEntry : ModelEntry
{
    public required DitConfig Config { get; init; }

    /// <summary>Seed of the random weights used when no trained weights are shipped.</summary>
    public long RandomSeed { get; init; } = 1234;

    /// <summary>Weights file relative to the assets folder; random weights when it does not exist.</summary>
    public string WeightsFile { get; init; } = "";

    public override string Family => "dit";

    public override IReadOnlyList<string>? ClassNames => FashionMnistClasses.Names;

    public override IReadOnlyList<string> SamplePrompts => FashionMnistClasses.Names;

    /// <summary>Full path of the shipped weights.</summary>
    public string WeightsPath => Path.Combine(AssetsRoot, WeightsFile);

    public override bool HasWeights => WeightsFile.Length > 0 && File.Exists(WeightsPath);

    public override string WeightsStatus => HasWeights ? "trained" : "random (seeded)";

    /// <summary><c>calibration.json</c> beside the weights (or under <c>models/NAME/</c> without a weights file).</summary>
    public override string CalibrationPath =>
        Path.Combine(AssetsRoot, WeightsFile.Length > 0 ? Path.GetDirectoryName(WeightsFile)! : Path.Combine("models", Name), "calibration.json");

    /// <summary>Default latent [C, T, H, W] (pixel space: the default frames and size).</summary>
    public long[] LatentShape => [Config.InChannels, Defaults.Frames, Defaults.Height, Defaults.Width];

    public bool IsVideo => Defaults.Frames > 1;

    /// <summary>The catalog's DiT entry named <paramref name="name"/> (what <c>jano train</c> and <c>jano train-classifier</c>
    /// take); another name is an <see cref="ArgumentException"/> listing the DiT entries.</summary>
    public static DitModelEntry Find(string name)
    {
        var dits = ModelCatalog.Entries.OfType<DitModelEntry>().ToArray();
        return dits.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
               ?? throw new UsageException($"'{name}' is not a Fashion-MNIST DiT model; valid: {string.Join(", ", dits.Select(e => e.Name))}");
    }

    /// <summary>Builds the model (trained weights when shipped, else seeded random weights) and its class-label pipeline.</summary>
    public override IDiffusionPipeline CreatePipeline(LoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var model = new DitModel(Config, options.Device, options.DType ?? Defaults.DType);
        try
        {
            string source;
            if (HasWeights)
            {
                WeightLoader.LoadInto(model, [WeightsPath]);
                source = WeightsPath;
            }
            else
            {
                model.InitializeWeights(RandomSeed);
                source = $"random (seed {RandomSeed})";
            }
            model.eval();
            var encoder = new ClassLabelEncoder(FashionMnistClasses.Names, FashionMnistClasses.Lookup, model.NullClass, options.Device);
            return new DitPipeline(model, encoder, null, Defaults, source);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
