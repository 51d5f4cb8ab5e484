using Jano.Core;
using Jano.Core.Weights;
using Jano.Engine.Catalog;
using Jano.Models.Dit;
using Jano.Models.FrameAutoencoder;
using TorchSharp;

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

    /// <summary>Folder (relative to the assets folder) of the <see cref="FrameAutoencoderModel"/> whose normalised latents
    /// the DiT denoises; empty for a pixel-space model.</summary>
    public string AutoencoderFolder { get; init; } = "";

    /// <summary>True for a latent model (decoded by its autoencoder).</summary>
    public bool IsLatent => AutoencoderFolder.Length > 0;

    /// <summary>Full path of the autoencoder folder (empty for a pixel-space model).</summary>
    public string AutoencoderPath => IsLatent ? Path.Combine(AssetsRoot, AutoencoderFolder) : "";

    /// <summary>Full path of the shipped weights.</summary>
    public string WeightsPath => Path.Combine(AssetsRoot, WeightsFile);

    public override bool HasWeights => WeightsFile.Length > 0 && File.Exists(WeightsPath);

    public override string WeightsStatus => HasWeights ? "trained" : "random (seeded)";

    /// <summary><c>calibration.json</c> beside the weights (or under <c>models/NAME/</c> without a weights file).</summary>
    public override string CalibrationPath =>
        Path.Combine(AssetsRoot, WeightsFile.Length > 0 ? Path.GetDirectoryName(WeightsFile)! : Path.Combine("models", Name), "calibration.json");

    /// <summary>Default latent [C, T, H, W]: the default frames and size, divided by the autoencoder's spatial factor for a
    /// latent model.</summary>
    public long[] LatentShape
    {
        get
        {
            int s = IsLatent ? FrameAutoencoderConfig.Downsample : 1;
            return [Config.InChannels, Defaults.Frames, Defaults.Height / s, Defaults.Width / s];
        }
    }

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
        if (IsLatent && !File.Exists(Path.Combine(AutoencoderPath, FrameAutoencoderModel.WeightsFileName)))
            throw new UsageException($"model '{Name}': its autoencoder is missing ({Path.Combine(AutoencoderPath, FrameAutoencoderModel.WeightsFileName)})");
        var model = new DitModel(Config, options.Device, options.DType ?? Defaults.DType);
        FrameLatentDecoder? decoder = null;
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
            if (IsLatent)
            {
                var autoencoder = FrameAutoencoderModel.Load(AutoencoderPath);
                if (options.Device.type != DeviceType.CPU) autoencoder.to(options.Device);
                decoder = new FrameLatentDecoder(autoencoder);
                if (decoder.LatentChannels != Config.InChannels)
                    throw new UsageException($"model '{Name}': the autoencoder has {decoder.LatentChannels} latent channels, the DiT takes {Config.InChannels}");
            }
            var encoder = new ClassLabelEncoder(FashionMnistClasses.Names, FashionMnistClasses.Lookup, model.NullClass, options.Device);
            return new DitPipeline(model, encoder, decoder, Defaults, source);
        }
        catch
        {
            model.Dispose();
            decoder?.Dispose();
            throw;
        }
    }
}
