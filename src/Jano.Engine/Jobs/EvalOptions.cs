using Jano.Training;

namespace Jano.Engine.Jobs;

/// <summary>Everything <c>jano eval</c> takes; nulls mean the model's default.</summary>
public sealed record EvalOptions
{
    public string Model { get; init; } = Catalog.ModelCatalog.DefaultModel;
    /// <summary>Samples (images or clips) per class; default the classifier's <see cref="Catalog.EvalClassifier.SamplesPerClass"/>.</summary>
    public int? Samples { get; init; }
    /// <summary>Denoising steps; default the model's (overriding it is meant for quick checks and tests).</summary>
    public int? Steps { get; init; }
    /// <summary>Classifier-free guidance scale; default the model's (a sweep fixing the defaults sets it).</summary>
    public double? Guidance { get; init; }
    /// <summary>Sampling shift; default the model's.</summary>
    public double? Shift { get; init; }
    /// <summary>Generate with full compute only (no Jano run): how a sweep fixes steps, shift and guidance on full-compute
    /// quality before any accelerator runs on a model. Jano's figures are then NaN and its lines say "not run".</summary>
    public bool FullOnly { get; init; }
    /// <summary>Intra-op threads; null keeps libtorch's default.</summary>
    public int? Threads { get; init; }
    public required string OutDir { get; init; }
    /// <summary>Folder of the Fashion-MNIST files (the t10k split is read).</summary>
    public string DataDirectory { get; init; } = FashionMnist.DefaultDirectory;
    /// <summary>Classifier weights; default the catalog's file for the model.</summary>
    public string? ClassifierPath { get; init; }
    /// <summary>Image model: test images (the first N of t10k) on which the classifier's accuracy is measured; default all.</summary>
    public int? ClassifierCheckImages { get; init; }
    /// <summary>Video model: real test clips per class on which the frame classifier's ceiling is measured.</summary>
    public int CeilingClipsPerClass { get; init; } = 100;
    /// <summary>Object region: grey level in [0, 1] that the full output must exceed.</summary>
    public double RegionThreshold { get; init; } = 0.1;
    /// <summary>Object region: dilation in pixels (Chebyshev).</summary>
    public int RegionDilation { get; init; } = 2;
}
