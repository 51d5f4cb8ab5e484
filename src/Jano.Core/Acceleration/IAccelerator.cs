namespace Jano.Core.Acceleration;

/// <summary>A training-free acceleration method with fixed options; stateless, so one instance serves many generations.</summary>
public interface IAccelerator
{
    /// <summary>Catalog name (e.g. "jano").</summary>
    string Name { get; }

    /// <summary>Resolved options as key/value text, in the method's option order (printed and written to reports).</summary>
    IReadOnlyList<KeyValuePair<string, string>> Options { get; }

    /// <summary>Checks the options against a model and a run before any compute, without starting a session: throws
    /// <see cref="ArgumentException"/> naming the option when they do not fit (e.g. Jano's warm-up longer than the run).
    /// <see cref="Begin"/> performs the same checks.</summary>
    /// <param name="model">The model's sizes and token layout.</param>
    /// <param name="steps">Denoising steps of the run.</param>
    /// <param name="branches">Guidance branches each step runs (Cond, or Cond and Uncond).</param>
    void Validate(TransformerDescriptor model, int steps, IReadOnlyList<GuidanceBranch> branches);

    /// <summary>Starts one generation. Throws <see cref="ArgumentException"/> when the options do not fit the model or plan
    /// (see <see cref="Validate"/>).</summary>
    IAcceleratorSession Begin(TransformerDescriptor model, GenerationPlan plan);
}
