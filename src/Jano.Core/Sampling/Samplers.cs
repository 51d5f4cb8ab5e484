namespace Jano.Core.Sampling;

/// <summary>The named samplers <c>--sampler</c> accepts for the shift-scheduled models (DiT, Wan).</summary>
public static class Samplers
{
    /// <summary><c>euler</c>: the shifted linear schedule (<see cref="ShiftSchedule"/>) with <see cref="EulerRule"/>.</summary>
    public const string Euler = "euler";

    /// <summary><c>unipc</c>: Wan's <see cref="UniPcSchedule"/> with <see cref="UniPcRule"/> (order 2, lower-order final).</summary>
    public const string UniPc = "unipc";

    /// <summary>Names in the order they are listed.</summary>
    public static IReadOnlyList<string> Names { get; } = [UniPc, Euler];

    /// <summary>The sampler <paramref name="name"/> (case-insensitive) with timestep shift <paramref name="shift"/>; an unknown
    /// name is an <see cref="ArgumentException"/> listing the valid ones.</summary>
    public static Sampler Create(string name, double shift) => name.ToLowerInvariant() switch
    {
        Euler => new Sampler(Euler, new ShiftSchedule(shift), new EulerRule()),
        UniPc => new Sampler(UniPc, new UniPcSchedule(shift), new UniPcRule()),
        _ => throw new UsageException($"unknown sampler '{name}'; available: {string.Join(", ", Names)}"),
    };
}
