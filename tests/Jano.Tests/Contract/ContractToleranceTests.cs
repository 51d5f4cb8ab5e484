using Jano.Core.Acceleration;
using Xunit;
using Xunit.Abstractions;

namespace Jano.Tests.Contract;

public class ContractToleranceTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData("dit")]
    [InlineData("wan")]
    [InlineData("flux")]
    public void PlainModelsAgreeBatchedAndSequentialWithinTheContractTolerance(string family)
    {
        var f = ContractFamily.Named(family);
        using var model = f.CreateModel();
        var (cond, uncond) = f.Conditions();
        using var batched = ContractRun.Generate(model, cond, uncond, new NoAccelerator(), f.Latent, ContractRun.Branches.Batched);
        using var sequential = ContractRun.Generate(model, cond, uncond, new NoAccelerator(), f.Latent, ContractRun.Branches.Sequential);
        float diff = TestModels.MaxAbsDiff(batched.Latent, sequential.Latent);
        log.WriteLine($"{family}: batched vs sequential max abs diff {diff:E2}");
        Assert.True(diff <= ContractTolerance.BatchVsSequential);
        foreach (var c in new[] { cond, uncond })
        {
            c.ClassIds?.Dispose();
            c.TextEmbeddings?.Dispose();
            c.PooledText?.Dispose();
            c.Guidance?.Dispose();
        }
    }
}
