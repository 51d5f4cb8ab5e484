using Jano.Models.Flux;
using TorchSharp;
using Xunit;

namespace Jano.Tests.Flux;

/// <summary>Every state_dict key and shape of the released configs matches the official model's (built on meta).</summary>
public class FluxKeyShapeTests
{
    [Fact]
    public void DevHasExactlyTheOfficialKeysAndShapes()
    {
        var expected = FluxFixtures.Keys("keys-dev.txt");
        using var model = new FluxModel(FluxConfig.Dev, torch.META);
        AssertSame(expected, model.state_dict());
        Assert.Equal(11_901_408_320L, expected.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)));
    }

    [Fact]
    public void SchnellIsDevWithoutTheGuidanceEmbedding()
    {
        var expected = FluxFixtures.Keys("keys-dev.txt").Where(kv => !kv.Key.StartsWith("guidance_in.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        Assert.Equal(4, FluxFixtures.Keys("keys-dev.txt").Count - expected.Count);
        using var model = new FluxModel(FluxConfig.Schnell, torch.META);
        AssertSame(expected, model.state_dict());
    }

    [Fact]
    public void PresetsMatchTheOfficialParams()
    {
        foreach (var c in new[] { FluxConfig.Dev, FluxConfig.Schnell })
        {
            Assert.Equal((64, 64, 768, 4096, 3072, 4.0, 24, 19, 38), (c.InChannels, c.OutChannels, c.VecInDim, c.ContextInDim,
                c.HiddenSize, c.MlpRatio, c.NumHeads, c.Depth, c.DepthSingleBlocks));
            Assert.Equal(new[] { 16, 56, 56 }, c.AxesDim);
            Assert.Equal((10_000, true, 128, 12288), (c.Theta, c.QkvBias, c.HeadDim, c.MlpHiddenDim));
        }
        Assert.True(FluxConfig.Dev.GuidanceEmbed);
        Assert.False(FluxConfig.Schnell.GuidanceEmbed);
        Assert.Equal((512, 256), (FluxConfig.Dev.T5MaxLength, FluxConfig.Schnell.T5MaxLength));
    }

    [Fact]
    public void ConfigChecksAreTheOfficialOnes()
    {
        var e1 = Assert.Throws<ArgumentException>(() => (FluxConfig.Dev with { NumHeads = 25 }).Validate());
        Assert.Equal("Hidden size 3072 must be divisible by num_heads 25", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => (FluxConfig.Dev with { AxesDim = [16, 56, 58] }).Validate());
        Assert.Equal("Got [16, 56, 58] but expected positional dim 128", e2.Message);
        Assert.Throws<ArgumentException>(() => (FluxConfig.Dev with { InChannels = 62 }).Validate());
        Assert.Throws<ArgumentException>(() => (FluxConfig.Dev with { Depth = 0 }).Validate());
        FluxFixtures.TinyConfig.Validate();
    }

    private static void AssertSame(Dictionary<string, long[]> expected, IDictionary<string, TorchSharp.torch.Tensor> actual)
    {
        Assert.True(actual.Values.All(t => t.device_type == DeviceType.META), "model was not built on meta");
        var missing = expected.Keys.Where(k => !actual.ContainsKey(k)).ToList();
        var unexpected = actual.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        var wrong = expected.Where(kv => actual.TryGetValue(kv.Key, out var t) && !t.shape.SequenceEqual(kv.Value))
            .Select(kv => $"{kv.Key}: [{string.Join(",", actual[kv.Key].shape)}] vs [{string.Join(",", kv.Value)}]").ToList();
        Assert.True(missing.Count + unexpected.Count + wrong.Count == 0,
            $"missing [{string.Join(", ", missing)}]; unexpected [{string.Join(", ", unexpected)}]; wrong shape [{string.Join(", ", wrong)}]");
        Assert.Equal(expected.Count, actual.Count);
    }
}
