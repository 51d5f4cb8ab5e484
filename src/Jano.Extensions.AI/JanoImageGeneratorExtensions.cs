using Microsoft.Extensions.AI;

namespace Jano.Extensions.AI;

/// <summary>Adapts a <see cref="JanoModel"/> to Microsoft.Extensions.AI.</summary>
public static class JanoImageGeneratorExtensions
{
    /// <summary>The model as an <see cref="IImageGenerator"/> (see <see cref="JanoImageGenerator"/> for the option mapping).</summary>
    /// <param name="model">The loaded model.</param>
    /// <param name="ownsModel">Dispose <paramref name="model"/> when the generator is disposed.</param>
    public static IImageGenerator AsImageGenerator(this JanoModel model, bool ownsModel = false) => new JanoImageGenerator(model, ownsModel);
}
