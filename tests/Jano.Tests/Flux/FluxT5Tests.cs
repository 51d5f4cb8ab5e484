using System.Text.Json;
using Jano.Core.Weights;
using Jano.Models.Flux.TextEncoders;
using Jano.Models.Wan.TextEncoder;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Jano.Tests.Flux;

/// <summary>FLUX's T5 v1.1 encoder (the umT5 code with one shared position bias) against Wan's official t5.py with
/// shared_pos=True, its Hugging Face names, and the SentencePiece tokenizer against sentencepiece (make_flux_text_fixtures.py).</summary>
public class FluxT5Tests(ITestOutputHelper log)
{
    internal static UmT5Config TinyConfig { get; } = new()
    {
        Vocab = 64, Dim = 32, DimAttn = 32, DimFfn = 48, NumHeads = 2, NumLayers = 2, NumBuckets = 32, SharedPos = true,
    };

    [Fact]
    public void EncoderWithASharedPositionBiasMatchesTheOfficialT5Encoder()
    {
        using var _ = torch.no_grad();
        using var model = new UmT5Encoder(TinyConfig);
        FluxFixtureWeights.Fill(model);
        model.eval();
        Assert.Contains("pos_embedding.embedding.weight", model.state_dict().Keys);
        Assert.DoesNotContain(model.state_dict().Keys, k => k.StartsWith("blocks.0.pos_embedding", StringComparison.Ordinal));
        using var ids = FluxFixtures.Read("t5-tiny-io.safetensors", "input.ids");
        using var expected = FluxFixtures.Read("t5-tiny-io.safetensors", "output");
        using var y = model.Forward(ids, mask: null);
        float diff = TestModels.MaxAbsDiff(expected, y);
        log.WriteLine($"T5 v1.1 tiny max abs diff {diff:E2}");
        Assert.True(diff <= 1e-4, $"max abs diff {diff}");
        using var scale = expected.abs().max();
        Assert.True(scale.item<float>() > 0.5f);
    }

    [Fact]
    public void XxlPresetHasTheReleasedEncodersSize()
    {
        using var meta = new UmT5Encoder(T5EncoderConfig.Xxl, torch.META);
        Assert.Equal(4_762_310_656L, meta.state_dict().Values.Sum(t => t.numel()));
        var parsed = T5EncoderConfig.Parse("""{"architectures":["T5ForConditionalGeneration"],"d_ff":10240,"d_kv":64,"d_model":4096,"feed_forward_proj":"gated-gelu","num_heads":64,"num_layers":24,"vocab_size":32128,"relative_attention_num_buckets":32,"layer_norm_epsilon":1e-06}""");
        Assert.Equal(T5EncoderConfig.Xxl, parsed);
        Assert.Throws<ArgumentException>(() => T5EncoderConfig.Parse("""{"d_ff":8,"d_kv":4,"d_model":8,"num_heads":2,"num_layers":1,"vocab_size":8,"feed_forward_proj":"relu"}"""));
    }

    [Fact]
    public void HuggingFaceNamesMapOntoTheEncoderAndAFullCheckpointsDecoderIsSkipped()
    {
        using var _ = torch.no_grad();
        string dir = Directory.CreateTempSubdirectory("flux-t5-").FullName;
        try
        {
            using var source = new UmT5Encoder(TinyConfig);
            var weights = FluxFixtureWeights.StateDict(source);
            var hf = weights.ToDictionary(kv => T5HfKeys.ToHf(kv.Key), kv => kv.Value, StringComparer.Ordinal);
            Assert.Contains(T5HfKeys.SharedBias, hf.Keys);
            Assert.Contains("encoder.block.1.layer.1.DenseReluDense.wi_0.weight", hf.Keys);
            Assert.Contains("shared.weight", hf.Keys);
            // a T5ForConditionalGeneration file also has the tied encoder embedding, a decoder and an LM head
            hf["encoder.embed_tokens.weight"] = hf["shared.weight"].clone();
            hf["decoder.block.0.layer.0.SelfAttention.q.weight"] = torch.zeros(32, 32);
            hf["lm_head.weight"] = torch.zeros(64, 32);
            string file = Path.Combine(dir, "model.safetensors");
            SafetensorsWriter.Save(file, hf);
            using var model = new UmT5Encoder(TinyConfig);
            WeightLoader.LoadInto(model, [file], T5HfKeys.ToOfficial, T5HfKeys.Skip(hf.Keys));
            foreach (var (key, t) in model.state_dict()) Assert.True(TestModels.BitEqual(weights[key], t), key);
            foreach (var t in hf.Values) t.Dispose();
            Assert.Throws<WeightFileException>(() => T5HfKeys.ToOfficial("encoder.block.3.layer.0.SelfAttention.relative_attention_bias.weight"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TokenizerGivesSentencePieceIdsOfTheRawPromptThenEosThenPadding()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FluxFixtures.PathOf("t5-tokenizer-expected.json")));
        int maxLength = doc.RootElement.GetProperty("max_length").GetInt32();
        var tok = T5Tokenizer.Load(Path.Combine(FluxFixtures.Directory, "..", "wan", "spm-tiny.model"), maxLength);
        Assert.Equal((0, 1), (tok.PadId, tok.EosId));
        var failures = new List<string>();
        int n = 0;
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            string text = c.GetProperty("text").GetString()!;
            var ids = c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var row = c.GetProperty("row").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var mine = tok.Encode(text).ToArray();
            if (!ids.SequenceEqual(mine)) failures.Add($"'{text}': expected [{string.Join(",", ids)}] got [{string.Join(",", mine)}]");
            else if (!row.SequenceEqual(tok.EncodeRow(text))) failures.Add($"'{text}': row differs");
            n++;
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures));
        Assert.Equal(15, n);
        using var batch = tok.EncodeBatch(["a", "b"]);
        Assert.Equal(new long[] { 2, maxLength }, batch.shape);
    }
}
