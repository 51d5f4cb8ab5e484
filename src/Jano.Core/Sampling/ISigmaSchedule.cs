namespace Jano.Core.Sampling;

/// <summary>
/// How the noise levels of a run are spaced (linear, Wan's shift, FLUX's resolution-dependent shift, …), kept apart from
/// the update rule (<see cref="IUpdateRule"/>) that steps between them. Pure: the same arguments give the same schedule.
/// </summary>
public interface ISigmaSchedule
{
    /// <summary>Short name for reports (e.g. <c>shift 5</c>).</summary>
    string Name { get; }

    /// <summary>The schedule of a run of <paramref name="steps"/> steps over <paramref name="imageTokens"/> latent tokens
    /// (only resolution-dependent schedules read the token count). Throws <see cref="ArgumentOutOfRangeException"/> for
    /// fewer than one step.</summary>
    SigmaSchedule Build(int steps, int imageTokens);
}
