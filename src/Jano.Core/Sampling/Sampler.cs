namespace Jano.Core.Sampling;

/// <summary>
/// A flow-matching sampler: a sigma schedule (<see cref="ISigmaSchedule"/>) and an update rule (<see cref="IUpdateRule"/>),
/// chosen independently (e.g. Wan's UniPC schedule with the UniPC rule, FLUX's resolution shift with Euler).
/// </summary>
/// <param name="Name">Name for reports and <c>--sampler</c> (e.g. <c>unipc</c>).</param>
public sealed record Sampler(string Name, ISigmaSchedule Schedule, IUpdateRule Rule)
{
    /// <summary>Builds the schedule for <paramref name="steps"/> steps over <paramref name="imageTokens"/> tokens and starts
    /// one run of the rule on it (the caller disposes the run).</summary>
    public ISamplerRun Start(int steps, int imageTokens) => Rule.Start(Schedule.Build(steps, imageTokens));
}
