namespace Jano.Core.Acceleration;

/// <summary>Hooks that change nothing: a forward through them is bit-identical to the plain forward.</summary>
public sealed class NullHooks : TransformerHooks
{
    public static NullHooks Instance { get; } = new();

    private NullHooks()
    {
    }
}
