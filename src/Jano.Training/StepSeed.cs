namespace Jano.Training;

/// <summary>
/// The seed of a training step's data: a fixed mix (SplitMix64 finaliser) of the run seed and the step, the same in
/// every process. (<see cref="HashCode.Combine{T1, T2}"/> is randomised per process, so it cannot make batches that a
/// resumed or repeated run reproduces.)
/// </summary>
public static class StepSeed
{
    /// <summary>A non-negative 31-bit seed for <see cref="Random"/> from <paramref name="seed"/> and <paramref name="step"/>.</summary>
    public static int For(long seed, int step)
    {
        unchecked
        {
            ulong z = (ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)(uint)step + 0x632BE59BD9B4E019UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (int)(z & 0x7FFFFFFF);
        }
    }
}
