using System.Text.Json;
using Jano.Core.Weights;
using Jano.Models.Flux.TextEncoders;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Jano.Tests.Flux;

/// <summary>CLIP-L's text tower against openai/CLIP's encode_text (pooled = final-LayerNorm state at EOS, no projection) and
/// the tokenizer against openai's simple_tokenizer (make_flux_text_fixtures.py).</summary>
public class FluxClipTests(ITestOutputHelper log)
{
    private const string Io = "clip-tiny-io.safetensors";

    internal static ClipTextConfig TinyConfig(int vocab) => new()
    {
        VocabSize = vocab, HiddenSize = 32, IntermediateSize = 128, NumAttentionHeads = 2, NumHiddenLayers = 2, MaxPositionEmbeddings = 77,
    };

    private static int TinyVocab => JsonSerializer.Deserialize<Dictionary<string, int>>(
        File.ReadAllText(FluxFixtures.PathOf(Path.Combine("clip-tokenizer", "vocab.json"))))!.Count;

    [Fact]
    public void TextTowerMatchesOpenAiEncodeTextWithoutProjection()
    {
        using var _ = torch.no_grad();
        using var model = new ClipTextModel(TinyConfig(TinyVocab));
        FluxFixtureWeights.Fill(model);
        model.eval();
        using var ids = FluxFixtures.Read(Io, "input.ids");
        using var expectedLast = FluxFixtures.Read(Io, "last_hidden");
        using var expectedPooled = FluxFixtures.Read(Io, "pooled");
        var (last, pooled) = model.Forward(ids);
        using (last)
        using (pooled)
        {
            float dLast = TestModels.MaxAbsDiff(expectedLast, last), dPooled = TestModels.MaxAbsDiff(expectedPooled, pooled);
            log.WriteLine($"last hidden max abs diff {dLast:E2}, pooled {dPooled:E2}");
            Assert.True(dLast <= 1e-4 && dPooled <= 1e-4, $"last {dLast}, pooled {dPooled}");
            using var scale = expectedPooled.abs().max();
            Assert.True(scale.item<float>() > 0.5f);
            // pooled is the row of the first EOS, not the last row
            using var lastRow = last.select(1, 76);
            Assert.True(TestModels.MaxAbsDiff(lastRow, pooled) > 1e-3);
        }
    }

    [Fact]
    public void HuggingFaceNamesLoadStrictlyAndTheReleasedSizesAreCountedRight()
    {
        using var meta = new ClipTextModel(ClipTextConfig.VitLargePatch14, torch.META);
        var sd = meta.state_dict();
        Assert.Contains("text_model.embeddings.token_embedding.weight", sd.Keys);
        Assert.Contains("text_model.encoder.layers.11.self_attn.out_proj.bias", sd.Keys);
        Assert.Contains("text_model.final_layer_norm.weight", sd.Keys);
        Assert.Equal(196, sd.Count);                                  // 2 embeddings + 12 × 16 + 2
        Assert.Equal(123_060_480L, sd.Values.Sum(t => t.numel()));    // CLIP ViT-L/14 text model parameters
        string dir = Directory.CreateTempSubdirectory("flux-clip-").FullName;
        try
        {
            using var source = new ClipTextModel(TinyConfig(TinyVocab));
            var weights = FluxFixtureWeights.StateDict(source);
            string file = Path.Combine(dir, "model.safetensors");
            SafetensorsWriter.Save(file, weights);
            foreach (var w in weights.Values) w.Dispose();
            using var model = new ClipTextModel(TinyConfig(TinyVocab));
            var report = WeightLoader.LoadInto(model, [file]);
            Assert.Equal(model.state_dict().Count, report.Tensors);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ConfigReadsACLIPModelsTextConfig()
    {
        var cfg = ClipTextConfig.Parse("""{"architectures":["CLIPModel"],"text_config":{"hidden_size":768,"intermediate_size":3072,"num_attention_heads":12,"num_hidden_layers":12,"vocab_size":49408,"eos_token_id":2},"vision_config":{"hidden_size":1024}}""");
        Assert.Equal(ClipTextConfig.VitLargePatch14, cfg);
        var text = ClipTextConfig.Parse("""{"hidden_size":32,"intermediate_size":128,"num_attention_heads":2,"num_hidden_layers":2,"vocab_size":815,"hidden_act":"quick_gelu"}""");
        Assert.Equal(TinyConfig(815), text);
        Assert.Throws<ArgumentException>(() => ClipTextConfig.Parse("""{"hidden_size":30,"num_attention_heads":4}"""));
    }

    [Fact]
    public void TokenizerGivesOpenAiSimpleTokenizerIds()
    {
        var tok = ClipTokenizer.Load(FluxFixtures.PathOf("clip-tokenizer"));
        using var doc = JsonDocument.Parse(File.ReadAllText(FluxFixtures.PathOf("clip-tokenizer-expected.json")));
        Assert.Equal(doc.RootElement.GetProperty("sot").GetInt32(), tok.BosId);
        Assert.Equal(doc.RootElement.GetProperty("eot").GetInt32(), tok.EosId);
        int n = 0;
        var failures = new List<string>();
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            string text = c.GetProperty("text").GetString()!;
            var ids = c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var row = c.GetProperty("row").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var mine = tok.Encode(text).ToArray();
            if (!ids.SequenceEqual(mine)) failures.Add($"'{text}': expected [{string.Join(",", ids)}] got [{string.Join(",", mine)}]");
            else Assert.Equal(row, tok.EncodeRow(text));
            n++;
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures));
        Assert.Equal(15, n);
        log.WriteLine($"{n} texts tokenised as simple_tokenizer does");
    }

    [Fact]
    public void RowsAreTruncatedTo75IdsAndPaddedWithThePadToken()
    {
        var tok = ClipTokenizer.Load(FluxFixtures.PathOf("clip-tokenizer"));
        var row = tok.EncodeRow(string.Join(' ', Enumerable.Repeat("a photo of a cat", 40)));
        Assert.Equal(77, row.Length);
        Assert.Equal(tok.BosId, row[0]);
        Assert.Equal(tok.EosId, row[76]);
        Assert.DoesNotContain(tok.EosId, row[1..76]);
        var empty = tok.EncodeRow("");
        Assert.Equal([tok.BosId, tok.EosId], empty[..2]);
        Assert.All(empty[2..], id => Assert.Equal(tok.PadId, id));
        using var batch = tok.EncodeBatch(["a cat", ""]);
        Assert.Equal(new long[] { 2, 77 }, batch.shape);
    }
}
