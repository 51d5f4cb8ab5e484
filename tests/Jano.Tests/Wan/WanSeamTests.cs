using Jano.Acceleration.JanoMethod;
using Jano.Core.Acceleration;
using Jano.Core.Sampling;
using Jano.Core.Weights;
using Jano.Models.Wan;
using Jano.Tests.Seam;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Jano.Tests.Wan;

/// <summary>Seam contract, dtype plumbing and tensor lifetime of the Wan port.</summary>
public class WanSeamTests(ITestOutputHelper log)
{
    private const string Io = "dit-tiny-io.safetensors";

    [Fact]
    public void NullHooksPassThroughHooksAndJanoLevelZeroGiveBitIdenticalForwardsAndEverySeamPointIsCalled()
    {
        using var _ = torch.no_grad();
        using var model = WanFixtures.TinyModel();
        using var x = WanFixtures.Read(Io, "input.x");
        using var t = WanFixtures.Read(Io, "input.t");
        using var c = WanFixtures.Read(Io, "input.context");
        using var plain = model.Forward(x, t, c, NullHooks.Instance);
        var recorder = new SeamPassThroughHooks();
        using var passThrough = model.Forward(x, t, c, recorder);
        using var cache = new FrozenKvCache(TestModels.CondUncond);
        using var buffer = new OutputBuffer(TestModels.CondUncond);
        using var level0 = model.Forward(x, t, c, new JanoHooks(0, null, cache, buffer, TestModels.CondUncond));
        Assert.True(TestModels.BitEqual(plain, passThrough));
        Assert.True(TestModels.BitEqual(plain, level0));
        Assert.Equal(["select", "stack", "Self0", "kvin0", "kv0", "Cross0", "mlp0", "Self1", "kvin1", "kv1", "Cross1", "mlp1", "compose"], recorder.Calls);
    }

    [Fact]
    public void ProbeIsBlockZerosModulatedInputAndDependsOnTheTimestep()
    {
        using var _ = torch.no_grad();
        using var model = WanFixtures.TinyModel();
        using var x = WanFixtures.Read(Io, "input.x");
        using var c = WanFixtures.Read(Io, "input.context");
        var probeA = new ProbeHooks();
        using (model.Forward(x, torch.tensor(new float[] { 900f, 900f }), c, probeA)) { }
        var probeB = new ProbeHooks();
        using (model.Forward(x, torch.tensor(new float[] { 100f, 100f }), c, probeB)) { }
        Assert.Equal([2L, 48L, 48L], probeA.Probe!.shape);
        Assert.True(TestModels.MaxAbsDiff(probeA.Probe!, probeB.Probe!) > 1e-3);
        probeA.Probe!.Dispose();
        probeB.Probe!.Dispose();
    }

    [Fact]
    public void DescribeGivesTheTokenLayoutAndRejectsWrongLatents()
    {
        using var model = new WanModel(WanFixtures.TinyConfig);
        var d = model.Describe(WanFixtures.TinyLatent);
        Assert.Equal(("wan2.1", 2, 48, 2, 8, 96), (d.Family, d.Layers, d.HiddenSize, d.Heads, d.ContextTokens, d.FfnSize));
        Assert.Equal((3, 4, 4), d.TokenGrid);
        Assert.Throws<ArgumentException>(() => model.Describe([4, 3, 8, 8]));
        Assert.Throws<ArgumentException>(() => model.Describe([16, 3, 7, 8]));
    }

    // bf16 weights: the fp32 islands keep the output close to the official fp32 output (not equal).
    [Fact]
    public void BFloat16ForwardStaysCloseToTheOfficialOutput()
    {
        using var _ = torch.no_grad();
        using var model = new WanModel(WanFixtures.TinyConfig, dtype: ScalarType.BFloat16);
        WeightLoader.LoadInto(model, [WanFixtures.PathOf("dit-tiny.safetensors")]);
        model.eval();
        using var x = WanFixtures.Read(Io, "input.x");
        using var t = WanFixtures.Read(Io, "input.t");
        using var c = WanFixtures.Read(Io, "input.context");
        using var expected = WanFixtures.Read(Io, "output");
        using var y = model.Forward(x, t, c, NullHooks.Instance);
        Assert.Equal(ScalarType.BFloat16, y.dtype);
        float diff = TestModels.MaxAbsDiff(expected, y);
        log.WriteLine($"bf16 max abs diff {diff:E2}");
        Assert.True(float.IsFinite(diff) && diff < 0.25f, $"bf16 max abs diff {diff}");
    }

    [Fact]
    public void RepeatedForwardsAndSamplerRunsLeaveTheLiveTensorCountFlat()
    {
        using var _ = torch.no_grad();
        using var model = WanFixtures.TinyModel();
        using var x = WanFixtures.Read(Io, "input.x");
        using var c = WanFixtures.Read(Io, "input.context");
        var levels = TestModels.Levels(48, 3);
        using var partition = new TokenPartition(levels, CPU);
        using var cache = new FrozenKvCache(TestModels.CondUncond);
        using var buffer = new OutputBuffer(TestModels.CondUncond);
        var sampler = Samplers.Create("unipc", 5.0);
        void Once()
        {
            using var run = sampler.Start(4, 48);
            var latent = x.clone();
            for (int i = 0; i < run.Schedule.Steps; i++)
            {
                using var scope = NewDisposeScope();
                var t = torch.full([2], run.Schedule.Timesteps[i]);
                var v = model.Forward(latent, t, c, new JanoHooks(i == 0 ? 3 : 1 + i % 2, partition, cache, buffer, TestModels.CondUncond));
                var next = run.Advance(v, i, latent).DetachFromDisposeScope();
                latent.Dispose();
                latent = next;
            }
            latent.Dispose();
        }
        Once();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 2; i++) Once();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    private sealed class ProbeHooks : TransformerHooks
    {
        public Tensor? Probe { get; private set; }
        public override Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks)
        {
            Probe = probe().clone();
            Probe.DetachFromDisposeScope();
            return runBlocks(x);
        }
    }
}
