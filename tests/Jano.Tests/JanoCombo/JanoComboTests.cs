using Jano.Acceleration.Common;
using Jano.Acceleration.JanoCombo;
using Jano.Acceleration.JanoMethod;
using Jano.Acceleration.TeaCache;
using Jano.Core;
using Jano.Core.Acceleration;
using Jano.Core.Options;
using Jano.Engine.Catalog;
using Jano.Tests.Pipeline;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Combo;

[Collection("Sequential")]
public class JanoComboTests
{
    private const string JanoBase = "warmup_steps=3,cooldown_steps=2,static_interval=4,medium_interval=2,analyze_block_size=1x2x2,t_weight=0.5,d_distance=1,static_thresh=0.3,medium_thresh=0.6";

    private static JanoAccelerator Jano() => new(new JanoOptions().With(OptionList.Parse(JanoBase)));

    private static JanoStepCacheAccelerator Combo(string cache) =>
        new(new JanoStepCacheOptions { Cache = new TeaCacheOptions() }.With(OptionList.Parse(JanoBase + "," + cache)));

    [Fact]
    public void JanoComboWithThresholdZeroIsBitIdenticalToPlainJano()
    {
        using var rig = new PipelineTestRig();
        using var jano = rig.Pipeline.Generate(PipelineTestRig.Request(), Jano());
        using var combo = rig.Pipeline.Generate(PipelineTestRig.Request(), Combo("rel_l1_thresh=0"));
        Assert.True(TestModels.BitEqual(jano.Latent, combo.Latent));
        Assert.Equal(jano.Steps.Select(s => s.Level), combo.Steps.Select(s => s.Level));
        Assert.Equal(jano.Steps.Select(s => s.TokensComputed), combo.Steps.Select(s => s.TokensComputed));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void JanoComboWithHugeThresholdSkipsEveryUnprotectedStepAndComputesProtectedOnes(bool batched)
    {
        using var rig = new PipelineTestRig();
        var counting = new CountingAccelerator(Combo("rel_l1_thresh=1e9"));
        using var run = rig.Pipeline.Generate(PipelineTestRig.Request(batched: batched), counting);
        using var jano = rig.Pipeline.Generate(PipelineTestRig.Request(batched: batched), Jano());
        var levels = InterleavedSchedule.All(12, new JanoOptions().With(OptionList.Parse(JanoBase)));
        Assert.Contains(levels, l => l is 1 or 2);
        Assert.NotNull(run.Accelerator.TokenLevels); // analysis was not degenerate, so cheap steps exist
        int layers = rig.Model.Describe(TestModels.TinyLatent).Layers;
        int forwards = batched ? 1 : 2;
        for (int i = 0; i < levels.Length; i++)
        {
            if (levels[i] is 0 or 3)
            {
                Assert.Equal(layers * forwards, counting.BlocksPerStep[i]);
                Assert.Equal(levels[i] == 0 ? "full" : "L3", run.Steps[i].Level);
            }
            else
            {
                Assert.Equal(0, counting.BlocksPerStep[i]);
                Assert.Equal("skip", run.Steps[i].Level);
                Assert.Equal(0L, run.Steps[i].TokensComputed);
            }
        }
        Assert.False(TestModels.BitEqual(jano.Latent, run.Latent));
        Assert.True(TestModels.MaxAbsDiff(jano.Latent, run.Latent) < 5.0);
        Assert.Contains(run.Accelerator.Notes, n => n.Contains("skipped in"));
    }

    [Fact]
    public void JanoComboBranchRowsKeepSeparateStateAndSkipReusesTheLastFullOutput()
    {
        using var _ = torch.no_grad();
        using var scope = NewDisposeScope();
        var model = new TransformerDescriptor("toy", 2, 32, 2, [2, 2, 8, 8], (1, 2, 2), 2, 64);
        var options = new JanoStepCacheOptions
        {
            Jano = new JanoOptions { WarmupSteps = 3, CooldownSteps = 1, StaticInterval = 3, MediumInterval = 2, AnalyzeBlockSize = (1, 2, 2), StaticThresh = 0.1, MediumThresh = 0.3, IncludeXt = false },
            Cache = new TeaCacheOptions { RelL1Thresh = 0.5 },
        };
        var noise = TestModels.Randn(1, model.LatentShape);
        using var session = new JanoStepCacheSession(options, model, new GenerationPlan(8, new double[9], [GuidanceBranch.Cond, GuidanceBranch.Uncond], noise));
        int n = model.TokenCount;
        var probes = new Dictionary<GuidanceBranch, Tensor> { [GuidanceBranch.Cond] = TestModels.Randn(11, 1, n, 4) + 2, [GuidanceBranch.Uncond] = TestModels.Randn(12, 1, n, 4) + 2 };
        var outputs = new Dictionary<GuidanceBranch, Tensor> { [GuidanceBranch.Cond] = TestModels.Randn(21, 1, n, 8), [GuidanceBranch.Uncond] = TestModels.Randn(22, 1, n, 8) };
        var branches = new[] { GuidanceBranch.Cond, GuidanceBranch.Uncond };

        // warm-up (t = 1..3) and the level-3 step (t = 4): full forwards that fill probes and output buffers
        for (int i = 0; i < 4; i++)
        {
            var step = new StepInfo(i, 8, 1 - i / 8.0, 1 - (i + 1) / 8.0);
            session.BeginStep(step);
            Assert.True(session.StepProtected);
            foreach (var b in branches)
            {
                var hooks = session.Hooks([b]);
                var sel = hooks.SelectTokens(n);
                Assert.True(sel.IsAll);
                bool ran = false;
                var x = hooks.RunBlockStack(torch.zeros(1, n, 4), () => probes[b], t => { ran = true; return t; });
                Assert.True(ran);
                hooks.ComposeOutput(outputs[b], sel);
            }
            session.EndStep(step, TestModels.Randn(100 + i, model.LatentShape));
        }
        Assert.Equal(3, session.StepLevel);

        // t = 5 is level 1: Cond's probe moves by 10 % (skip), Uncond's triples (compute)
        var cheap = new StepInfo(4, 8, 0.5, 0.4);
        session.BeginStep(cheap);
        Assert.False(session.StepProtected);
        var condHooks = session.Hooks([GuidanceBranch.Cond]);
        var condSel = condHooks.SelectTokens(n);
        Assert.InRange(condSel.Count, 1, n - 1);
        bool condRan = false;
        condHooks.RunBlockStack(torch.zeros(1, condSel.Count, 4), () => probes[GuidanceBranch.Cond].index_select(1, condSel.Indices!) * 1.1, t => { condRan = true; return t; });
        var condOut = condHooks.ComposeOutput(torch.full(1, condSel.Count, 8, 99f), condSel);
        Assert.False(condRan);
        Assert.True(TestModels.BitEqual(outputs[GuidanceBranch.Cond], condOut));
        Assert.Equal(0.1, ((TeaCacheRule)session.Rule).Accumulated(GuidanceBranch.Cond), 5);

        var uncondHooks = session.Hooks([GuidanceBranch.Uncond]);
        var uncondSel = uncondHooks.SelectTokens(n);
        bool uncondRan = false;
        uncondHooks.RunBlockStack(torch.zeros(1, uncondSel.Count, 4), () => probes[GuidanceBranch.Uncond].index_select(1, uncondSel.Indices!) * 3, t => { uncondRan = true; return t; });
        var fresh = torch.full(1, uncondSel.Count, 8, 7f);
        var uncondOut = uncondHooks.ComposeOutput(fresh, uncondSel);
        Assert.True(uncondRan);
        Assert.Equal(0.0, ((TeaCacheRule)session.Rule).Accumulated(GuidanceBranch.Uncond));
        Assert.Equal(7f, uncondOut.index_select(1, uncondSel.Indices!).max().ToSingle());
        Assert.Equal("L1+skip", session.EndStep(cheap, TestModels.Randn(200, model.LatentShape)).Level);
        Assert.Equal(0.1, ((TeaCacheRule)session.Rule).Accumulated(GuidanceBranch.Cond), 5);
    }

    [Fact]
    public void JanoComboManyGenerationsLeaveTheLiveTensorCountFlat()
    {
        using var rig = new PipelineTestRig();
        var skipAll = Combo("rel_l1_thresh=1e9");
        var some = Combo("rel_l1_thresh=0.2");
        void Once()
        {
            using var r1 = rig.Pipeline.Generate(PipelineTestRig.Request(steps: 10), skipAll);
            using var r2 = rig.Pipeline.Generate(PipelineTestRig.Request(steps: 10, batched: false), some);
        }
        Once();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 4; i++) Once();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void JanoComboOptionsSplitBetweenJanoAndTheStepCache()
    {
        var o = new JanoStepCacheOptions { Cache = new TeaCacheOptions() }.With(OptionList.Parse("warmup_steps=4,rel_l1_thresh=0.3,coefficients=identity"));
        Assert.Equal(4, o.Jano.WarmupSteps);
        Assert.Equal(0.3, ((TeaCacheOptions)o.Cache).RelL1Thresh);
        var e = Assert.Throws<UsageException>(() => new JanoStepCacheOptions { Cache = new TeaCacheOptions() }.With(OptionList.Parse("bogus=1")));
        Assert.Contains("'bogus'", e.Message);
        Assert.Equal("jano+teacache", AcceleratorCatalog.Names.Single(x => x == "jano+teacache"));
    }

    public static IEnumerable<object[]> StepCaches() =>
    [
        ["teacache", "rel_l1_thresh=1e9"],
        ["magcache", "magcache_thresh=1e9,magcache_k=100"],
        ["easycache", "thresh=1e9"],
    ];

    // Any catalog step cache layers on Jano: its off setting is plain Jano bit for bit, and a huge threshold skips every
    // unprotected (level-1/2) forward while warm-up, cool-down and level-3 steps still run their blocks.
    [Theory]
    [MemberData(nameof(StepCaches))]
    public void EveryStepCacheLayersOnJano(string cache, string huge)
    {
        using var rig = new PipelineTestRig();
        using var jano = rig.Pipeline.Generate(PipelineTestRig.Request(), Jano());
        var off = AcceleratorCatalog.Create("jano+" + cache, JanoBase, AcceleratorCatalog.Off("jano+" + cache).Replace("static_interval=0,", "", StringComparison.Ordinal));
        Assert.Equal("jano+" + cache, off.Name);
        using var offRun = rig.Pipeline.Generate(PipelineTestRig.Request(), off);
        Assert.True(TestModels.BitEqual(jano.Latent, offRun.Latent), $"jano+{cache} with the step cache off differs from plain Jano");

        var counting = new CountingAccelerator(AcceleratorCatalog.Create("jano+" + cache, JanoBase, huge));
        using var run = rig.Pipeline.Generate(PipelineTestRig.Request(), counting);
        var levels = InterleavedSchedule.All(12, new JanoOptions().With(OptionList.Parse(JanoBase)));
        int layers = rig.Model.Describe(TestModels.TinyLatent).Layers;
        for (int i = 0; i < levels.Length; i++)
        {
            Assert.Equal(levels[i] is 0 or 3 ? layers : 0, counting.BlocksPerStep[i]);
            Assert.Equal(levels[i] is 0 or 3 ? (levels[i] == 0 ? "full" : "L3") : "skip", run.Steps[i].Level);
        }
        Assert.Contains(run.Accelerator.Notes, n => n.Contains($"step cache ({cache})", StringComparison.Ordinal));
    }

    // What jano calibrate needs to fit a step cache under Jano's preset: a rule of its own layered through the public
    // JanoStepCacheAccelerator sees the rows each cheap step computes and, never skipping, leaves plain Jano unchanged.
    [Fact]
    public void ARecordingRuleSeesTheRowsEachStepComputesAndChangesNothing()
    {
        using var rig = new PipelineTestRig();
        using var jano = rig.Pipeline.Generate(PipelineTestRig.Request(), Jano());
        var recorder = new RecordingOptions();
        var accel = new JanoStepCacheAccelerator(new JanoStepCacheOptions { Cache = recorder }.With(OptionList.Parse(JanoBase)));
        using var run = rig.Pipeline.Generate(PipelineTestRig.Request(), accel);
        Assert.True(TestModels.BitEqual(jano.Latent, run.Latent));
        var levels = InterleavedSchedule.All(12, new JanoOptions().With(OptionList.Parse(JanoBase)));
        var partition = run.Accelerator.TokenLevels!;
        Assert.Equal(12, recorder.Seen.Count);
        for (int i = 0; i < 12; i++)
        {
            int expected = levels[i] switch { 1 => partition.Count(l => l == 3), 2 => partition.Count(l => l >= 2), _ => partition.Length };
            Assert.Equal((levels[i] is 0 or 3, expected, expected), recorder.Seen[i]);
        }
    }

    private sealed class RecordingOptions : IStepCacheOptions
    {
        public List<(bool Forced, long InputRows, long OutputRows)> Seen { get; } = [];
        public string Method => "recorder";
        public IReadOnlyList<string> RuleKeys => [];
        public bool IsOff => false;
        public IStepCacheOptions WithRule(IEnumerable<KeyValuePair<string, string>> pairs) => this;
        public IReadOnlyList<KeyValuePair<string, string>> RulePairs() => [];
        public void CheckRanges() { }
        public IStepSkipRule CreateRule(TransformerDescriptor model, GenerationPlan plan) => new Rule(Seen);

        private sealed class Rule(List<(bool, long, long)> seen) : IStepSkipRule
        {
            private bool _forced;
            public long Bytes => 0;
            public void BeginStep(StepInfo step, bool forced) => _forced = forced;
            public bool Decide(GuidanceBranch[] rows, StackSignal signal, bool reusable) => false;
            public void Computed(GuidanceBranch[] rows, StackSignal signal, Tensor output) => seen.Add((_forced, signal.Input.shape[1], output.shape[1]));
            public void Reused(GuidanceBranch[] rows, StackSignal signal, Tensor? output) => throw new InvalidOperationException("the recorder never skips");
            public void Dispose() { }
        }
    }
}
