using Jano.Core.Acceleration;

namespace Jano.Acceleration.Common;

/// <summary>
/// Per-step bookkeeping shared by the step-level caches (TeaCache, MagCache, EasyCache): which forwards of the current
/// step computed the block stack and which reused a cached residual, turned into a <see cref="StepSummary"/>.
/// </summary>
public sealed class StepSkipStats
{
    private long _tokens;
    private int _computed;
    private int _reused;

    /// <summary>Forwards (over all steps) that ran the block stack, per row.</summary>
    public int ComputedRows { get; private set; }

    /// <summary>Forwards (over all steps) that reused the cache, per row.</summary>
    public int ReusedRows { get; private set; }

    public void BeginStep()
    {
        _tokens = 0;
        _computed = 0;
        _reused = 0;
    }

    /// <summary>Records one forward of <paramref name="rows"/> rows of <paramref name="tokens"/> tokens.</summary>
    public void Record(int rows, int tokens, bool computed)
    {
        if (computed)
        {
            _computed += rows;
            ComputedRows += rows;
            _tokens += (long)rows * tokens;
        }
        else
        {
            _reused += rows;
            ReusedRows += rows;
        }
    }

    /// <summary>"full" when every forward computed, "cached" when every forward reused, "mixed" otherwise.</summary>
    public StepSummary Summary() =>
        new(_reused == 0 ? "full" : _computed == 0 ? "cached" : "mixed", _tokens);
}
