using Jano.Models.Wan;
using TorchSharp;
using Xunit;

namespace Jano.Tests.Wan;

/// <summary>Every state_dict key and shape of the released configs matches the official model's (built on meta).</summary>
public class WanKeyShapeTests
{
    public static TheoryData<string> Presets => new() { "1.3b", "14b" };

    [Theory]
    [MemberData(nameof(Presets))]
    public void MetaModelHasExactlyTheOfficialKeysAndShapes(string preset)
    {
        var cfg = preset == "1.3b" ? WanConfig.T2V_1_3B : WanConfig.T2V_14B;
        var expected = WanFixtures.Keys($"keys-{preset}.txt");
        using var model = new WanModel(cfg, torch.META);
        var actual = model.state_dict();
        Assert.True(actual.Values.All(t => t.device_type == DeviceType.META), "model was not built on meta");

        var missing = expected.Keys.Where(k => !actual.ContainsKey(k)).ToList();
        var unexpected = actual.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        var wrong = expected.Where(kv => actual.TryGetValue(kv.Key, out var t) && !t.shape.SequenceEqual(kv.Value))
            .Select(kv => $"{kv.Key}: [{string.Join(",", actual[kv.Key].shape)}] vs [{string.Join(",", kv.Value)}]").ToList();
        Assert.True(missing.Count + unexpected.Count + wrong.Count == 0,
            $"missing [{string.Join(", ", missing)}]; unexpected [{string.Join(", ", unexpected)}]; wrong shape [{string.Join(", ", wrong)}]");
        Assert.Equal(expected.Count, actual.Count);
        long parameters = actual.Values.Sum(t => t.numel());
        Assert.Equal(expected.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)), parameters);
    }

    [Fact]
    public void PresetsMatchTheOfficialConfigs()
    {
        var small = WanConfig.T2V_1_3B;
        Assert.Equal((1536, 8960, 256, 12, 30), (small.Dim, small.FfnDim, small.FreqDim, small.NumHeads, small.NumLayers));
        var big = WanConfig.T2V_14B;
        Assert.Equal((5120, 13824, 256, 40, 40), (big.Dim, big.FfnDim, big.FreqDim, big.NumHeads, big.NumLayers));
        foreach (var c in new[] { small, big })
        {
            Assert.Equal((4096, 16, 16, 512, 1e-6), (c.TextDim, c.InDim, c.OutDim, c.TextLen, c.Eps));
            Assert.Equal((1, 2, 2), c.Patch);
            Assert.True(c.QkNorm && c.CrossAttnNorm);
        }
    }
}
