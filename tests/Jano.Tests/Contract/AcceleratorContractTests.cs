using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using Jano.Engine.Catalog;
using TorchSharp;
using Xunit;

namespace Jano.Tests.Contract;

/// <summary>
/// The contract every catalog accelerator keeps on every model family (the class-conditional DiT, the tiny Wan2.1, the
/// FLUX-shaped toy), enumerated from <see cref="AcceleratorCatalog.Names"/> so a new entry cannot skip it: its off setting
/// is the plain output bit for bit; batched and sequential guidance agree; its state is per guidance branch (the order
/// in which branches run changes nothing); many generations leave no tensor behind; the session's caches are released
/// when it is disposed.
/// </summary>
[Collection("Sequential")]
public class AcceleratorContractTests
{
    private sealed class Rig : IDisposable
    {
        public Rig(string family)
        {
            Family = ContractFamily.Named(family);
            Model = Family.CreateModel();
            (Cond, Uncond) = Family.Conditions();
        }

        public ContractFamily Family { get; }
        public IDiffusionTransformer Model { get; }
        public DiffusionCondition Cond { get; }
        public DiffusionCondition Uncond { get; }

        public ContractRun Run(IAccelerator accel, ContractRun.Branches branches) =>
            ContractRun.Generate(Model, Cond, Uncond, accel, Family.Latent, branches);

        public void Dispose()
        {
            foreach (var c in new[] { Cond, Uncond })
            {
                c.ClassIds?.Dispose();
                c.TextEmbeddings?.Dispose();
                c.PooledText?.Dispose();
                c.Guidance?.Dispose();
            }
            Model.Dispose();
        }
    }

    public static IEnumerable<object[]> Cases() => ContractSettings.Cases();

    [Fact]
    public void EveryFamilyRunsEveryCatalogAccelerator()
    {
        Assert.Equal(AcceleratorCatalog.Names.Count * ContractFamily.All.Count, Cases().Count());
        Assert.Equal(["dit", "wan", "flux"], ContractFamily.All.Select(f => f.Name));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OffSettingIsBitIdenticalToNoAccelerator(string accel, string family)
    {
        using var rig = new Rig(family);
        foreach (var branches in new[] { ContractRun.Branches.Batched, ContractRun.Branches.Sequential })
        {
            using var plain = rig.Run(new NoAccelerator(), branches);
            using var off = rig.Run(ContractSettings.Off(accel, rig.Family), branches);
            Assert.True(TestModels.BitEqual(plain.Latent, off.Latent), $"{accel} off ({branches}) on {family} differs from the plain output");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BatchedAndSequentialGuidanceGiveTheSameGeneration(string accel, string family)
    {
        using var rig = new Rig(family);
        using var batched = rig.Run(ContractSettings.Acting(accel, rig.Family), ContractRun.Branches.Batched);
        using var sequential = rig.Run(ContractSettings.Acting(accel, rig.Family), ContractRun.Branches.Sequential);
        if (accel != "none")
        {
            using var plain = rig.Run(new NoAccelerator(), ContractRun.Branches.Batched);
            Assert.False(TestModels.BitEqual(plain.Latent, batched.Latent), $"{accel} changed nothing on {family}: the comparison would mean nothing");
        }
        Assert.Equal(batched.Levels, sequential.Levels);
        float diff = TestModels.MaxAbsDiff(batched.Latent, sequential.Latent);
        Assert.True(diff <= ContractTolerance.BatchVsSequential, $"{accel} on {family}: batched and sequential guidance differ by {diff}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StateIsPerGuidanceBranchNotPerCallOrder(string accel, string family)
    {
        using var rig = new Rig(family);
        using var forward = rig.Run(ContractSettings.Acting(accel, rig.Family), ContractRun.Branches.Sequential);
        using var reversed = rig.Run(ContractSettings.Acting(accel, rig.Family), ContractRun.Branches.SequentialReversed);
        Assert.Equal(forward.Levels, reversed.Levels);
        Assert.True(TestModels.BitEqual(forward.Latent, reversed.Latent), $"{accel} on {family}: running Uncond first changed the output");
        using var batchedReversed = rig.Run(ContractSettings.Acting(accel, rig.Family), ContractRun.Branches.BatchedReversed);
        using var batched = rig.Run(ContractSettings.Acting(accel, rig.Family), ContractRun.Branches.Batched);
        Assert.Equal(batched.Levels, batchedReversed.Levels);
        float diff = TestModels.MaxAbsDiff(batched.Latent, batchedReversed.Latent);
        Assert.True(diff <= ContractTolerance.BatchVsSequential, $"{accel} on {family}: batch rows [Uncond, Cond] differ from [Cond, Uncond] by {diff}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ManyGenerationsLeaveTheLiveTensorCountFlat(string accel, string family)
    {
        using var rig = new Rig(family);
        var a = ContractSettings.Acting(accel, rig.Family);
        void Once()
        {
            using var r1 = rig.Run(a, ContractRun.Branches.Batched);
            using var r2 = rig.Run(a, ContractRun.Branches.Sequential);
        }
        Once();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 2; i++) Once();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CacheMemoryIsHeldDuringTheRunAndReleasedByDispose(string accel, string family)
    {
        using var rig = new Rig(family);
        // One plain run first: a model builds its position tables (RoPE) on first use and keeps them, which is not the
        // accelerator's memory.
        using (rig.Run(ContractSettings.Acting("none", rig.Family), ContractRun.Branches.Batched)) { }
        foreach (var branches in new[] { ContractRun.Branches.Batched, ContractRun.Branches.Sequential })
        {
            using var run = rig.Run(ContractSettings.Acting(accel, rig.Family), branches);
            Assert.Equal(run.LiveBeforeBegin, run.LiveAfterDispose);
            if (accel == "none")
            {
                Assert.Equal(0, run.Report.CacheBytes);
                Assert.Equal(0, run.MaxHeldDuring);
            }
            else
            {
                Assert.True(run.Report.CacheBytes > 0, $"{accel} on {family} reports no cache bytes");
                Assert.True(run.MaxHeldDuring > 0, $"{accel} on {family} ({branches}) held no tensor across steps");
            }
        }
    }
}
