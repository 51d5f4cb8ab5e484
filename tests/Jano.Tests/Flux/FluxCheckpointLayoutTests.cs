using Jano.Core.Weights;
using Jano.Engine.Pipelines;
using Jano.Models.Flux;
using Jano.Models.Flux.Autoencoder;
using Jano.Models.Flux.TextEncoders;
using Jano.Models.Wan.TextEncoder;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Flux;

/// <summary>A tiny random FLUX folder written in the official layout and, by the rename rules, in the Diffusers layout
/// (sharded, with index files): every part loads strictly from both to bit-identical tensors.</summary>
public sealed class FluxCheckpointLayoutTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("flux-layout-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private sealed class Loaded : IDisposable
    {
        public required FluxModel Dit { get; init; }
        public required FluxAutoEncoder Vae { get; init; }
        public required ClipTextModel Clip { get; init; }
        public required UmT5Encoder T5 { get; init; }
        public required string Layout { get; init; }

        public void Dispose()
        {
            Dit.Dispose(); Vae.Dispose(); Clip.Dispose(); T5.Dispose();
        }
    }

    private Loaded Load(bool diffusers)
    {
        string dir = FluxTestFolders.Write(Path.Combine(_root, diffusers ? "diffusers" : "official"), diffusers);
        var layout = FluxCheckpointLayout.Of(dir);
        var dit = new FluxModel(layout.ReadTransformerConfig());
        layout.LoadTransformer(dit);
        var vae = new FluxAutoEncoder(layout.ReadVaeConfig());
        layout.LoadVae(vae);
        var clip = new ClipTextModel(layout.ReadClipConfig());
        layout.LoadClip(clip);
        var t5 = new UmT5Encoder(layout.ReadT5Config());
        layout.LoadT5(t5);
        return new Loaded { Dit = dit, Vae = vae, Clip = clip, T5 = t5, Layout = layout.Name };
    }

    [Fact]
    public void OfficialAndDiffusersFoldersLoadToIdenticalTensors()
    {
        using var official = Load(diffusers: false);
        using var diffusers = Load(diffusers: true);
        Assert.Equal(("official", "diffusers"), (official.Layout, diffusers.Layout));
        Assert.Equal(FluxTestFolders.Transformer, official.Dit.Config);
        Assert.Equal(FluxTestFolders.Transformer with { T5MaxLength = 512 }, diffusers.Dit.Config with { T5MaxLength = 512 });
        Assert.Equal(FluxTestFolders.Vae with { Resolution = 256 }, official.Vae.Config);   // resolution is not in a checkpoint (unused)
        Assert.Equal(FluxTestFolders.Vae with { Resolution = 256 }, diffusers.Vae.Config);
        Assert.Equal(FluxTestFolders.Clip, official.Clip.Config);
        Assert.Equal(FluxTestFolders.T5, diffusers.T5.Config);
        foreach (var (a, b, part) in new (nn.Module, nn.Module, string)[]
                 { (official.Dit, diffusers.Dit, "dit"), (official.Vae, diffusers.Vae, "vae"), (official.Clip, diffusers.Clip, "clip"), (official.T5, diffusers.T5, "t5") })
        {
            var sa = a.state_dict();
            var sb = b.state_dict();
            Assert.Equal(sa.Keys.Order(StringComparer.Ordinal), sb.Keys.Order(StringComparer.Ordinal));
            foreach (var (key, t) in sa)
            {
                Assert.True(TestModels.BitEqual(t, sb[key]), $"{part} {key} differs between layouts");
                using var expected = FluxFixtureWeights.Tensor(key, t.shape);
                Assert.True(TestModels.BitEqual(expected, t), $"{part} {key} is not the written tensor");
            }
        }
    }

    [Fact]
    public void DiffusersFolderLoadsTheSwappedAndFusedTensorsToTheOfficialOnes()
    {
        using var diffusers = Load(diffusers: true);
        var sd = diffusers.Dit.state_dict();
        foreach (var key in new[] { "double_blocks.1.img_attn.qkv.weight", "double_blocks.0.txt_attn.qkv.bias", "single_blocks.1.linear1.weight",
                     "final_layer.adaLN_modulation.1.weight", "final_layer.adaLN_modulation.1.bias" })
        {
            using var expected = FluxFixtureWeights.Tensor(key, sd[key].shape);
            Assert.True(TestModels.BitEqual(expected, sd[key]), key);
        }
        var vae = diffusers.Vae.state_dict();
        using var q = FluxFixtureWeights.Tensor("decoder.mid.attn_1.q.weight", vae["decoder.mid.attn_1.q.weight"].shape);
        Assert.True(TestModels.BitEqual(q, vae["decoder.mid.attn_1.q.weight"]));
    }

    [Fact]
    public void TokenizersLoadFromBothLayouts()
    {
        foreach (var diffusers in new[] { false, true })
        {
            var layout = FluxCheckpointLayout.Of(FluxTestFolders.Write(Path.Combine(_root, diffusers ? "d" : "o"), diffusers));
            var clip = layout.LoadClipTokenizer();
            Assert.Equal(77, clip.EncodeRow("a photo of a cat").Length);
            Assert.Equal(clip.EosId, clip.PadId);
            var t5 = layout.LoadT5Tokenizer(16);
            Assert.Equal(16, t5.EncodeRow("a photo of a cat").Length);
        }
    }

    [Fact]
    public void AMissingDiffusersShardTensorIsNamedBeforeAnythingIsCopied()
    {
        string dir = FluxTestFolders.Write(Path.Combine(_root, "broken"), diffusers: true);
        var layout = FluxCheckpointLayout.Of(dir);
        var cfg = layout.ReadTransformerConfig();
        // rewrite one shard without to_k of double block 0
        var shard = layout.TransformerFiles.First(f =>
        {
            using var s = SafetensorsFile.Open(f);
            return s.Contains("transformer_blocks.0.attn.to_k.weight");
        });
        Dictionary<string, Tensor> kept;
        using (var s = SafetensorsFile.Open(shard))
            kept = s.Entries.Where(e => e.Name != "transformer_blocks.0.attn.to_k.weight").ToDictionary(e => e.Name, e => s.Read(e.Name), StringComparer.Ordinal);
        SafetensorsWriter.Save(shard, kept);
        foreach (var t in kept.Values) t.Dispose();
        using var model = new FluxModel(cfg);
        using var before = model.state_dict()["img_in.weight"].clone();
        var ex = Assert.Throws<WeightFileException>(() => layout.LoadTransformer(model));
        Assert.Contains("transformer_blocks.0.attn.to_k.weight (for double_blocks.0.img_attn.qkv.weight)", ex.Message, StringComparison.Ordinal);
        Assert.True(TestModels.BitEqual(before, model.state_dict()["img_in.weight"]));
    }

    [Fact]
    public void OfficialConfigsAreInferredFromTheReleasedShapes()
    {
        var dev = FluxFixtures.Keys("keys-dev.txt");
        Assert.Equal(FluxConfig.Dev, FluxConfig.FromCheckpointShapes(dev));
        var schnell = dev.Where(kv => !kv.Key.StartsWith("guidance_in.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(FluxConfig.Schnell, FluxConfig.FromCheckpointShapes(schnell));
        // a truncated real-width model (1 double, 2 single blocks) keeps its block counts
        var truncated = dev.Where(kv => !(kv.Key.StartsWith("double_blocks.", StringComparison.Ordinal) && !kv.Key.StartsWith("double_blocks.0.", StringComparison.Ordinal))
            && !(kv.Key.StartsWith("single_blocks.", StringComparison.Ordinal) && !kv.Key.StartsWith("single_blocks.0.", StringComparison.Ordinal) && !kv.Key.StartsWith("single_blocks.1.", StringComparison.Ordinal)))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(FluxConfig.Dev with { Depth = 1, DepthSingleBlocks = 2 }, FluxConfig.FromCheckpointShapes(truncated));
        Assert.Equal(FluxVaeConfig.Flux1, FluxVaeConfig.FromCheckpointShapes(FluxFixtures.Keys("keys-ae.txt")));
        var e = Assert.Throws<ArgumentException>(() => FluxConfig.FromCheckpointShapes(new Dictionary<string, long[]>()));
        Assert.Contains("img_in.weight", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFilesAreNamed()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_root, "empty")).FullName;
        var layout = FluxCheckpointLayout.Of(empty);
        Assert.Equal("official", layout.Name);
        var ex = Assert.Throws<FileNotFoundException>(() => layout.TransformerFiles);
        Assert.Contains("flux1-dev.safetensors", ex.Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => layout.VaeFiles);
    }
}
