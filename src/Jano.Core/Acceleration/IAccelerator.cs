namespace Jano.Core.Acceleration;

/// <summary>A training-free acceleration method with fixed options; stateless, so one instance serves many generations.</summary>
public interface IAccelerator
{
    /// <summary>Catalog name (e.g. "jano").</summary>
    string Name { get; }

    /// <summary>Resolved options as key/value text, in the method's option order (printed and written to reports).</summary>
    IReadOnlyList<KeyValuePair<string, string>> Options { get; }

    /// <summary>Starts one generation. Throws <see cref="ArgumentException"/> when the options do not fit the model or plan.</summary>
    IAcceleratorSession Begin(TransformerDescriptor model, GenerationPlan plan);
}
