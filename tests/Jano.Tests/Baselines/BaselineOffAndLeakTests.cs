using Jano.Core.Acceleration;
using Jano.Tests.Pipeline;
using TorchSharp;
using Xunit;

namespace Jano.Tests.Baselines;

[Collection("Sequential")]
public class BaselineOffAndLeakTests
{
    [Theory]
    [MemberData(nameof(BaselineCases.Off), MemberType = typeof(BaselineCases))]
    public void OffSettingIsBitIdenticalToFullCompute(string method, string options)
    {
        using var rig = new PipelineTestRig();
        foreach (bool batched in new[] { true, false })
        {
            using var plain = rig.Pipeline.Generate(PipelineTestRig.Request(batched: batched), new NoAccelerator());
            using var off = rig.Pipeline.Generate(PipelineTestRig.Request(batched: batched), BaselineCases.Create(method, options));
            Assert.True(TestModels.BitEqual(plain.Latent, off.Latent), $"{method} off ({(batched ? "batched" : "sequential")}) differs from full compute");
            Assert.Equal(1.0, off.ComputedTokenFraction, 12);
        }
    }

    [Theory]
    [MemberData(nameof(BaselineCases.On), MemberType = typeof(BaselineCases))]
    public void OnSettingChangesTheOutputButStaysClose(string method, string options)
    {
        using var rig = new PipelineTestRig();
        using var plain = rig.Pipeline.Generate(PipelineTestRig.Request(), new NoAccelerator());
        using var on = rig.Pipeline.Generate(PipelineTestRig.Request(), BaselineCases.Create(method, options));
        Assert.False(TestModels.BitEqual(plain.Latent, on.Latent), $"{method} did not change anything");
        Assert.True(TestModels.MaxAbsDiff(plain.Latent, on.Latent) < 10.0);
        Assert.False(torch.isnan(on.Latent).any().item<bool>());
    }

    [Theory]
    [MemberData(nameof(BaselineCases.On), MemberType = typeof(BaselineCases))]
    public void BatchedAndSequentialBranchesAgree(string method, string options)
    {
        using var rig = new PipelineTestRig();
        using var batched = rig.Pipeline.Generate(PipelineTestRig.Request(batched: true), BaselineCases.Create(method, options));
        using var sequential = rig.Pipeline.Generate(PipelineTestRig.Request(batched: false), BaselineCases.Create(method, options));
        Assert.Equal(batched.Steps.Select(s => s.Level), sequential.Steps.Select(s => s.Level));
        Assert.True(TestModels.MaxAbsDiff(batched.Latent, sequential.Latent) < 1e-3, $"{method}: batched and sequential branches diverge");
    }

    [Theory]
    [MemberData(nameof(BaselineCases.On), MemberType = typeof(BaselineCases))]
    public void ManyGenerationsLeaveTheLiveTensorCountFlat(string method, string options)
    {
        using var rig = new PipelineTestRig();
        var accel = BaselineCases.Create(method, options);
        void Once()
        {
            using var r1 = rig.Pipeline.Generate(PipelineTestRig.Request(steps: 12), accel);
            using var r2 = rig.Pipeline.Generate(PipelineTestRig.Request(steps: 12, batched: false), accel);
        }
        Once();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++) Once();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
