using Jano.Acceleration.JanoMethod;
using Jano.Core.Acceleration;
using Jano.Core.Options;

namespace Jano.Engine.Catalog;

/// <summary>
/// Maps <c>--accel</c> names to factories. A factory takes the model's preset text and the user's option text
/// (both <c>k=v,...</c>; the user's win) and returns a configured accelerator. New methods register here only.
/// </summary>
public static class AcceleratorCatalog
{
    private static readonly Dictionary<string, (string Description, Func<ModelSpec, string?, IAccelerator> Create)> Factories = new()
    {
        ["none"] = ("plain sampling, every token every step", (_, user) =>
        {
            if (OptionList.Parse(user).Count > 0) throw new ArgumentException("accelerator 'none' takes no options");
            return new NoAccelerator();
        }),
        ["jano"] = ("Jano: complexity-aware token skipping with frozen-token K/V caches", (spec, user) =>
            new JanoAccelerator(new JanoOptions().With(OptionList.Parse(spec.JanoPreset)).With(OptionList.Parse(user)))),
    };

    public static IReadOnlyList<string> Names => Factories.Keys.ToArray();

    public static string Describe(string name) => Factories[name].Description;

    public static IAccelerator Create(string name, ModelSpec spec, string? userOptions)
    {
        if (!Factories.TryGetValue(name.ToLowerInvariant(), out var f))
            throw new ArgumentException($"unknown accelerator '{name}'; available: {string.Join(", ", Factories.Keys)}");
        return f.Create(spec, userOptions);
    }
}
