using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Core.Sampling;

/// <summary>Flow-matching Euler: x ← x + (σ_{i+1} − σ_i)·v, in the sample's dtype (fp32 in the pipelines). Stateless.</summary>
public sealed class EulerRule : IUpdateRule
{
    public string Name => "euler";

    public ISamplerRun Start(SigmaSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return new Run(schedule);
    }

    private sealed class Run(SigmaSchedule schedule) : ISamplerRun
    {
        public SigmaSchedule Schedule => schedule;

        public Tensor Advance(Tensor velocity, int index, Tensor sample)
        {
            if (index < 0 || index >= schedule.Steps) throw new ArgumentOutOfRangeException(nameof(index));
            double dt = schedule.Sigmas[index + 1] - schedule.Sigmas[index];
            using var v = velocity.dtype == sample.dtype ? velocity.alias() : velocity.to(sample.dtype);
            using var alpha = dt.ToScalar();
            return sample.add(v, alpha);
        }

        public void Dispose()
        {
        }
    }
}
