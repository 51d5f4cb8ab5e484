using Jano.Acceleration.JanoMethod;
using Jano.Core;
using Jano.Core.Options;
using Xunit;

namespace Jano.Tests.JanoMethod;

public class JanoOptionsTests
{
    private static JanoOptions Parse(string s) => new JanoOptions().With(OptionList.Parse(s));

    [Fact]
    public void DefaultsAreTheAuthorsWanSettings()
    {
        var o = new JanoOptions();
        Assert.Equal((6, 4, 0.2, 6, 0.6, 3), (o.WarmupSteps, o.CooldownSteps, o.StaticThresh, o.StaticInterval, o.MediumThresh, o.MediumInterval));
        Assert.Equal((7, 6, 8), o.AnalyzeBlockSize);
        Assert.Equal((0.7, 0.8, 1.0, true, true), (o.TWeight, o.DStrength, o.DDistance, o.Enhance, o.IncludeXt));
    }

    [Fact]
    public void ParsesEveryKeyAndBlockSizes()
    {
        var o = Parse("warmup_steps=5,cooldown_steps=2,static_thresh=0.1,static_interval=8,medium_thresh=0.4,medium_interval=4,analyze_block_size=1x8x8,t_weight=0,d_strength=0.5,d_distance=2,enhance=false,include_xt=false");
        Assert.Equal((5, 2, 0.1, 8, 0.4, 4), (o.WarmupSteps, o.CooldownSteps, o.StaticThresh, o.StaticInterval, o.MediumThresh, o.MediumInterval));
        Assert.Equal((1, 8, 8), o.AnalyzeBlockSize);
        Assert.Equal((0.0, 0.5, 2.0, false, false), (o.TWeight, o.DStrength, o.DDistance, o.Enhance, o.IncludeXt));
        Assert.Equal("1x8x8", o.ToPairs().Single(p => p.Key == "analyze_block_size").Value);
    }

    [Theory]
    [InlineData("bogus=1", "unknown option 'bogus' for jano")]
    [InlineData("static_thresh=abc", "invalid value 'abc' for static_thresh")]
    [InlineData("warmup_steps=2.5", "invalid value '2.5' for warmup_steps")]
    [InlineData("analyze_block_size=7x6", "invalid value '7x6' for analyze_block_size")]
    [InlineData("enhance=maybe", "invalid value 'maybe' for enhance")]
    [InlineData("static_thresh=0.7,medium_thresh=0.6", "static_thresh (0.7) must not exceed medium_thresh (0.6)")]
    [InlineData("warmup_steps", "option 'warmup_steps' is not of the form key=value")]
    [InlineData("warmup_steps=0", "warmup_steps (0) must be at least 1")]
    public void BadOptionsNameTheKey(string text, string message)
    {
        var e = Assert.Throws<UsageException>(() => Parse(text));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void RunChecksWarmupCooldownAndPatchMultiples()
    {
        var e1 = Assert.Throws<UsageException>(() => Parse("warmup_steps=6,cooldown_steps=4").Validate(10, 21, (1, 2, 2)));
        Assert.Contains("warmup_steps + cooldown_steps (6 + 4) must be less than steps (10)", e1.Message);
        var e2 = Assert.Throws<UsageException>(() => Parse("analyze_block_size=7x5x8").Validate(50, 21, (1, 2, 2)));
        Assert.Contains("analyze_block_size (7x5x8) must be a multiple of the patch (1x2x2)", e2.Message);
        var e3 = Assert.Throws<UsageException>(() => Parse("").Validate(50, 1, (1, 2, 2)));
        Assert.Contains("must have t = 1 for images", e3.Message);
        Parse("").Validate(50, 21, (1, 2, 2));
    }
}
