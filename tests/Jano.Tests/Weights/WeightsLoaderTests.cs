using System.Text.Json;
using Jano.Core.Weights;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Weights;

public class WeightsLoaderTests
{
    private static readonly string[] Keys = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "scale"];

    private static void AssertSameState(Dictionary<string, byte[]> expected, nn.Module module)
    {
        var actual = WeightsBytes.Snapshot(module);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (k, v) in expected) Assert.Equal(v, actual[k]);
    }

    [Fact]
    public void LoadsItsOwnSaveBitIdentically()
    {
        using var dir = new WeightsTempDir();
        var path = dir.File("tiny.safetensors");
        using var source = new WeightsTinyNet(seed: 1);
        WeightLoader.Save(source, path, new Dictionary<string, string> { ["model"] = "tiny" });
        using (var file = SafetensorsFile.Open(path))
        {
            Assert.Equal(Keys.Order(), file.Entries.Select(e => e.Name).Order());
            Assert.Equal("tiny", file.Metadata["model"]);
        }

        using var target = new WeightsTinyNet(seed: 2);
        var expected = WeightsBytes.Snapshot(source);
        Assert.NotEqual(expected["fc1.weight"], WeightsBytes.Snapshot(target)["fc1.weight"]);

        var report = WeightLoader.LoadInto(target, [path]);
        AssertSameState(expected, target);
        Assert.Equal(5, report.Tensors);
        Assert.Equal((2 + 12 + 3 + 6 + 2) * 4L, report.Bytes);
        Assert.Equal(new[] { path }, report.Files);

        // Parameters stay parameters (same objects, still trainable) and the model still runs.
        Assert.All(target.parameters(), p => Assert.True(p.requires_grad));
        using var x = torch.ones(1, 4);
        using var y1 = source.forward(x);
        using var y2 = target.forward(x);
        Assert.Equal(WeightsBytes.Of(y1), WeightsBytes.Of(y2));
    }

    [Fact]
    public void ReportsMissingUnexpectedAndWrongShapeTogetherAndCopiesNothing()
    {
        using var dir = new WeightsTempDir();
        var path = dir.File("bad.safetensors");
        SafetensorsWriter.Save(path,
        [
            new("fc1.weight", torch.ones(4, 3)),   // model: [3, 4]
            new("fc1.bias", torch.full(3, 9f)),    // fits
            new("fc2.weight", torch.full(2, 3, 9f)), // fits
            new("extra.weight", torch.ones(2)),    // not in the model
        ]);                                        // missing: scale, fc2.bias

        using var model = new WeightsTinyNet(seed: 3);
        var before = WeightsBytes.Snapshot(model);
        var ex = Assert.Throws<WeightFileException>(() => WeightLoader.LoadInto(model, [path]));
        Assert.Equal(
            "weights do not match the model: missing [fc2.bias, scale]; unexpected [extra.weight]; wrong shape [fc1.weight: file [4,3] vs model [3,4]]",
            ex.Message);
        AssertSameState(before, model);
    }

    [Fact]
    public void OnlyMissingIsReportedAlone()
    {
        using var dir = new WeightsTempDir();
        var path = dir.File("partial.safetensors");
        using var source = new WeightsTinyNet(seed: 1);
        SafetensorsWriter.Save(path, source.state_dict().Where(kv => kv.Key != "fc2.bias"));
        using var model = new WeightsTinyNet(seed: 3);
        var before = WeightsBytes.Snapshot(model);
        var ex = Assert.Throws<WeightFileException>(() => WeightLoader.LoadInto(model, [path]));
        Assert.Equal("weights do not match the model: missing [fc2.bias]", ex.Message);
        AssertSameState(before, model);
    }

    [Fact]
    public void LoadsAShardedIndexRelativeToItsFolder()
    {
        using var dir = new WeightsTempDir();
        using var source = new WeightsTinyNet(seed: 4);
        var state = source.state_dict();
        var shard1 = state.Where(kv => kv.Key.StartsWith("fc1.", StringComparison.Ordinal)).ToList();
        var shard2 = state.Where(kv => !kv.Key.StartsWith("fc1.", StringComparison.Ordinal)).ToList();
        SafetensorsWriter.Save(dir.File("model-00001-of-00002.safetensors"), shard1);
        SafetensorsWriter.Save(dir.File("model-00002-of-00002.safetensors"), shard2);
        var weightMap = shard1.ToDictionary(kv => kv.Key, _ => "model-00001-of-00002.safetensors")
            .Concat(shard2.ToDictionary(kv => kv.Key, _ => "model-00002-of-00002.safetensors"))
            .ToDictionary();
        var index = dir.File("model.safetensors.index.json");
        File.WriteAllText(index, JsonSerializer.Serialize(new { metadata = new { total_size = 100 }, weight_map = weightMap }));

        using var target = new WeightsTinyNet(seed: 5);
        var report = WeightLoader.LoadInto(target, [index]);
        AssertSameState(WeightsBytes.Snapshot(source), target);
        Assert.Equal(5, report.Tensors);
        Assert.Equal(2, report.Files.Count);
        Assert.All(report.Files, f => Assert.True(File.Exists(f)));
    }

    [Fact]
    public void IndexPointingAtTheWrongShardIsAnError()
    {
        using var dir = new WeightsTempDir();
        using var source = new WeightsTinyNet(seed: 4);
        SafetensorsWriter.Save(dir.File("a.safetensors"), source.state_dict());
        var index = dir.File("m.safetensors.index.json");
        File.WriteAllText(index, "{\"weight_map\":{\"fc1.weight\":\"a.safetensors\",\"ghost\":\"a.safetensors\"}}");
        using var target = new WeightsTinyNet(seed: 5);
        var ex = Assert.Throws<WeightFileException>(() => WeightLoader.LoadInto(target, [index]));
        Assert.Contains("does not hold: [ghost]", ex.Message);
    }

    [Fact]
    public void DuplicateKeysAcrossShardsAreAnError()
    {
        using var dir = new WeightsTempDir();
        using var source = new WeightsTinyNet(seed: 6);
        var state = source.state_dict();
        var a = dir.File("a.safetensors");
        var b = dir.File("b.safetensors");
        SafetensorsWriter.Save(a, state.Where(kv => kv.Key != "scale"));
        SafetensorsWriter.Save(b, state.Where(kv => kv.Key is "scale" or "fc1.bias"));
        using var target = new WeightsTinyNet(seed: 7);
        var before = WeightsBytes.Snapshot(target);
        var ex = Assert.Throws<WeightFileException>(() => WeightLoader.LoadInto(target, [a, b]));
        Assert.Equal($"duplicate tensor keys across weight files: [fc1.bias ({a} and {b})]", ex.Message);
        AssertSameState(before, target);
    }

    [Fact]
    public void RenameMapsAnAlternativeLayout()
    {
        using var dir = new WeightsTempDir();
        var path = dir.File("prefixed.safetensors");
        using var source = new WeightsTinyNet(seed: 8);
        SafetensorsWriter.Save(path, source.state_dict().Select(kv => new KeyValuePair<string, Tensor>("model." + kv.Key, kv.Value)));

        using var target = new WeightsTinyNet(seed: 9);
        var ex = Assert.Throws<WeightFileException>(() => WeightLoader.LoadInto(target, [path]));
        Assert.Contains("unexpected [model.", ex.Message);

        var report = WeightLoader.LoadInto(target, [path], name => name["model.".Length..]);
        Assert.Equal(5, report.Tensors);
        AssertSameState(WeightsBytes.Snapshot(source), target);
    }

    [Fact]
    public void ConvertsF16FileIntoF32Module()
    {
        using var dir = new WeightsTempDir();
        var path = dir.File("half.safetensors");
        using var source = new WeightsTinyNet(seed: 10);
        var halves = source.state_dict().Select(kv => new KeyValuePair<string, Tensor>(kv.Key, kv.Value.detach().to(ScalarType.Float16))).ToList();
        SafetensorsWriter.Save(path, halves);
        using (var file = SafetensorsFile.Open(path))
            Assert.All(file.Entries, e => Assert.Equal("F16", e.DType));

        using var target = new WeightsTinyNet(seed: 11);
        WeightLoader.LoadInto(target, [path]);
        var state = target.state_dict();
        foreach (var (key, half) in halves)
        {
            Assert.Equal(ScalarType.Float32, state[key].dtype);
            using var expected = half.to(ScalarType.Float32);
            Assert.Equal(WeightsBytes.Of(expected), WeightsBytes.Of(state[key]));
        }
    }

    [Fact]
    public void MalformedShardFailsBeforeAnythingIsCopied()
    {
        using var dir = new WeightsTempDir();
        using var source = new WeightsTinyNet(seed: 12);
        var good = dir.File("good.safetensors");
        SafetensorsWriter.Save(good, source.state_dict().Where(kv => kv.Key != "scale"));
        var bad = dir.File("bad.safetensors");
        File.WriteAllBytes(bad, WeightsBytes.File("{\"scale\": oops}", []));
        using var target = new WeightsTinyNet(seed: 13);
        var before = WeightsBytes.Snapshot(target);
        var ex = Assert.Throws<WeightFileException>(() => WeightLoader.LoadInto(target, [good, bad]));
        Assert.StartsWith(bad + ": header is not valid JSON", ex.Message);
        AssertSameState(before, target);
    }
}
