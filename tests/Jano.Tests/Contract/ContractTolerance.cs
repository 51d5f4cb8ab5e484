namespace Jano.Tests.Contract;

/// <summary>Tolerances of the contract suite, measured on the plain models (see the tests that pin them).</summary>
public static class ContractTolerance
{
    /// <summary>Batched and sequential guidance run the same per-row math in batches of 2 and 1; the plain models agree within
    /// this after 12 steps (checked by <see cref="ContractToleranceTests"/>), and so must every accelerator.</summary>
    public const float BatchVsSequential = 1e-4f;
}
