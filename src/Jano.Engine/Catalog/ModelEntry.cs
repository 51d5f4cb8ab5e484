using Jano.Core;
using Jano.Engine.Calibration;
using Jano.Engine.Pipelines;

namespace Jano.Engine.Catalog;

/// <summary>
/// One model the catalog knows: name, description, default settings, the Jano preset, where its calibration lives, its
/// evaluation classifier (if any), and how to build its pipeline. A model family adds one subclass in its own folder
/// (<c>src/Jano.Engine/Pipelines/FAMILY/</c>) and one line per model in <see cref="ModelCatalog.Entries"/>.
/// </summary>
public abstract record ModelEntry
{
    public required string Name { get; init; }

    public required string Description { get; init; }

    /// <summary>Default settings (and default load dtype).</summary>
    public required ModelDefaults Defaults { get; init; }

    /// <summary>Jano options as <c>k=v,...</c> applied over Jano's defaults for this model.</summary>
    public required string JanoPreset { get; init; }

    /// <summary>Options per accelerator (<c>k=v,...</c>, keyed by the accelerator's name) this model's family applies over the
    /// method's defaults, under calibration and the user's options (e.g. TeaCache's fitted coefficients for FLUX); empty by
    /// default. Jano's own preset is <see cref="JanoPreset"/>.</summary>
    public virtual IReadOnlyDictionary<string, string> MethodPresets { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Model family (the descriptor's: <c>dit</c>, <c>wan2.1</c>, <c>flux.1</c>).</summary>
    public abstract string Family { get; }

    /// <summary>Folder of the shipped assets (<c>models/</c>, <c>classifiers/</c>); set by the catalog that resolves the entry.</summary>
    public string AssetsRoot { get; init; } = "assets";

    /// <summary>The classifier <c>jano eval</c> uses; null: the model cannot be evaluated.</summary>
    public EvalClassifier? Classifier { get; init; }

    /// <summary>Full path of the evaluation classifier's weights (null without one).</summary>
    public string? ClassifierPath => Classifier is null ? null : Path.Combine(AssetsRoot, Classifier.File);

    /// <summary>The prompts of a class-conditional model, in label order; null for free text.</summary>
    public virtual IReadOnlyList<string>? ClassNames => null;

    /// <summary>Prompts that <c>jano bench</c>, <c>jano calibrate</c> and the study spread their runs over (the class
    /// names, or a fixed list of text prompts).</summary>
    public abstract IReadOnlyList<string> SamplePrompts { get; }

    /// <summary><paramref name="count"/> of <see cref="SamplePrompts"/> spread evenly (prompt i·K/count of K); the
    /// <paramref name="option"/> it came from is named when it is outside 1..K.</summary>
    public IReadOnlyList<string> SpreadPrompts(int count, string option = "--prompts")
    {
        var pool = SamplePrompts;
        if (count < 1 || count > pool.Count) throw new UsageException($"{option} ({count}) must be in 1..{pool.Count}");
        return Enumerable.Range(0, count).Select(i => pool[i * pool.Count / count]).ToArray();
    }

    /// <summary>True when weights are there to load (shipped, or a checkpoint folder).</summary>
    public abstract bool HasWeights { get; }

    /// <summary>What <c>jano models</c> says about the weights.</summary>
    public abstract string WeightsStatus { get; }

    /// <summary><c>calibration.json</c> of this model (written by <c>jano calibrate</c>).</summary>
    public abstract string CalibrationPath { get; }

    /// <summary>The model's calibration, or null when none was written; a malformed file is an <see cref="InvalidDataException"/>.</summary>
    public ModelCalibration? LoadCalibration() => File.Exists(CalibrationPath) ? ModelCalibration.Load(CalibrationPath) : null;

    /// <summary>Builds the pipeline (loading what the family loads up front); bad load options or missing weights throw
    /// before anything large is allocated.</summary>
    public abstract IDiffusionPipeline CreatePipeline(LoadOptions options);
}
