using Jano.Acceleration.JanoMethod;
using Jano.Core;
using Jano.Core.Acceleration;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.JanoMethod;

public class JanoSessionTests
{
    private static readonly TransformerDescriptor Model = new("toy", 2, 32, 2, [2, 2, 8, 8], (1, 2, 2), 2, 64);

    [Fact]
    public void AllEqualWarmupOutputsAreReportedDegenerateAndFallBackToFullCompute()
    {
        using var _ = torch.no_grad();
        var options = new JanoOptions { WarmupSteps = 3, CooldownSteps = 1, StaticInterval = 2, MediumInterval = 1, AnalyzeBlockSize = (1, 2, 2), IncludeXt = false };
        using var noise = torch.zeros(Model.LatentShape);
        using var session = new JanoSession(options, Model, new GenerationPlan(10, new double[11], [GuidanceBranch.Cond], noise));
        using var constant = torch.ones(Model.LatentShape);
        var levels = new List<string>();
        for (int i = 0; i < 10; i++)
        {
            var step = new StepInfo(i, 10, 1 - i / 10.0, 1 - (i + 1) / 10.0);
            session.BeginStep(step);
            var hooks = session.Hooks([GuidanceBranch.Cond]);
            Assert.True(hooks.SelectTokens(Model.TokenCount).IsAll);
            levels.Add(session.EndStep(step, constant).Level);
        }
        Assert.All(levels, l => Assert.Equal("full", l));
        var report = session.Report();
        Assert.Contains(report.Notes, n => n.Contains("degenerate"));
        Assert.Equal(1.0, report.LevelFractions!["active"]);
    }

    [Fact]
    public void InitialNoiseIsTheFirstFeatureWhenIncluded()
    {
        using var _ = torch.no_grad();
        // With include_xt the analysis sees [x_T, v_1]: two features from one warm-up step, so the analysis runs;
        // without it one warm-up step is rejected up front (fewer than 2 features).
        var withXt = new JanoOptions { WarmupSteps = 1, CooldownSteps = 1, AnalyzeBlockSize = (1, 2, 2) };
        using var noise = TestModels.Randn(3, Model.LatentShape);
        using var session = new JanoSession(withXt, Model, new GenerationPlan(6, new double[7], [GuidanceBranch.Cond], noise));
        using var v = TestModels.Randn(4, Model.LatentShape);
        var step = new StepInfo(0, 6, 1, 0.8);
        session.BeginStep(step);
        session.Hooks([GuidanceBranch.Cond]);
        Assert.Equal("analysis", session.EndStep(step, v).Note);
        Assert.Equal(2, session.Analysis!.FeatureCount);
        var withoutXt = withXt with { IncludeXt = false };
        var e = Assert.Throws<UsageException>(() => withoutXt.CheckRanges());
        Assert.Contains("fewer than 2 analysis features", e.Message);
    }
}
