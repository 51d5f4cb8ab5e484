using Jano.Models.Wan.TextEncoder;
using TorchSharp;
using Xunit;

namespace Jano.Tests.Wan.TextEncoder;

/// <summary>The XXL preset built on meta has exactly the official umt5_xxl encoder's state_dict keys and shapes.</summary>
public class WanT5KeyShapeTests
{
    [Fact]
    public void XxlMetaEncoderHasExactlyTheOfficialKeysAndShapes()
    {
        var expected = Wan.WanFixtures.Keys("keys-umt5-xxl.txt");
        using var model = new UmT5Encoder(UmT5Config.Xxl, torch.META);
        var actual = model.state_dict();
        Assert.True(actual.Values.All(t => t.device_type == DeviceType.META), "model was not built on meta");
        var missing = expected.Keys.Where(k => !actual.ContainsKey(k)).ToList();
        var unexpected = actual.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        var wrong = expected.Where(kv => actual.TryGetValue(kv.Key, out var t) && !t.shape.SequenceEqual(kv.Value))
            .Select(kv => kv.Key).ToList();
        Assert.True(missing.Count + unexpected.Count + wrong.Count == 0,
            $"missing [{string.Join(", ", missing)}]; unexpected [{string.Join(", ", unexpected)}]; wrong shape [{string.Join(", ", wrong)}]");
        Assert.Equal(242, actual.Count);
        Assert.Equal(5_680_910_336L, actual.Values.Sum(t => t.numel()));
    }

    [Fact]
    public void XxlPresetIsUmt5Xxl()
    {
        var c = UmT5Config.Xxl;
        Assert.Equal((256384, 4096, 4096, 10240, 64, 24, 32, false), (c.Vocab, c.Dim, c.DimAttn, c.DimFfn, c.NumHeads, c.NumLayers, c.NumBuckets, c.SharedPos));
        Assert.Equal((128, 1e-6, 64), (c.MaxDist, c.Eps, c.HeadDim));
    }
}
