namespace Jano.Core.Sampling;

/// <summary>
/// The update rule of a flow-matching sampler (Euler, flow UniPC, …): how the latent moves from σ_i to σ_{i+1} given the
/// model's velocity. It works on any <see cref="SigmaSchedule"/>; a run's state (multistep history) lives in the
/// <see cref="ISamplerRun"/> that <see cref="Start"/> returns, so one rule serves many runs.
/// </summary>
public interface IUpdateRule
{
    /// <summary>Short name for reports (e.g. <c>euler</c>).</summary>
    string Name { get; }

    /// <summary>Starts one run over <paramref name="schedule"/>.</summary>
    ISamplerRun Start(SigmaSchedule schedule);
}
