using System.Globalization;
using System.Text.Json;
using Jano.Core.Weights;
using Jano.Models.Flux;
using Jano.Models.Flux.Autoencoder;
using Jano.Models.Flux.TextEncoders;
using Jano.Models.Wan.TextEncoder;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Tests.Flux;

/// <summary>
/// Writes a tiny random FLUX.1 folder (transformer, VAE, CLIP, T5, tokenizers) in the official or the Diffusers layout, from
/// one set of weights (<see cref="FluxFixtureWeights"/>, official names), so both layouts must load to identical tensors.
/// The Diffusers one is made from the official tensors by the rename rules (split qkv and linear1, swapped norm_out halves,
/// linear VAE attention), with the transformer and T5 sharded in two files plus an index.
/// </summary>
internal static class FluxTestFolders
{
    /// <summary>Transformer: the fixture's tiny config with the Diffusers model's fixed mlp_ratio 4.</summary>
    public static FluxConfig Transformer { get; } = FluxDiffusersKeysTests.DiffusersTiny;

    public static FluxVaeConfig Vae { get; } = FluxVaeGoldenTests.TinyConfig;

    /// <summary>CLIP: width 16 (= the transformer's vec_in_dim).</summary>
    public static ClipTextConfig Clip { get; } = new()
    {
        VocabSize = 815, HiddenSize = 16, IntermediateSize = 64, NumAttentionHeads = 2, NumHiddenLayers = 1, MaxPositionEmbeddings = 77,
    };

    /// <summary>T5: d_model 24 (= the transformer's context_in_dim), vocab 1024 (covers spm-tiny.model's ids).</summary>
    public static UmT5Config T5 { get; } = new()
    {
        Vocab = 1024, Dim = 24, DimAttn = 24, DimFfn = 40, NumHeads = 2, NumLayers = 1, NumBuckets = 32, SharedPos = true,
    };

    /// <summary>Writes the folder; returns its path.</summary>
    public static string Write(string dir, bool diffusers)
    {
        Directory.CreateDirectory(dir);
        using var _ = torch.no_grad();
        using var dit = new FluxModel(Transformer, torch.META);
        using var vae = new FluxAutoEncoder(Vae, torch.META);
        using var clip = new ClipTextModel(Clip, torch.META);
        using var t5 = new UmT5Encoder(T5, torch.META);
        var ditW = FluxFixtureWeights.StateDict(dit);
        var vaeW = FluxFixtureWeights.StateDict(vae);
        var clipW = FluxFixtureWeights.StateDict(clip);
        var t5W = FluxFixtureWeights.StateDict(t5).ToDictionary(kv => T5HfKeys.ToHf(kv.Key), kv => kv.Value, StringComparer.Ordinal);
        try
        {
            if (diffusers) WriteDiffusers(dir, ditW, vaeW, clipW, t5W);
            else WriteOfficial(dir, ditW, vaeW, clipW, t5W);
        }
        finally
        {
            foreach (var t in ditW.Values.Concat(vaeW.Values).Concat(clipW.Values).Concat(t5W.Values)) t.Dispose();
        }
        return dir;
    }

    private static void WriteOfficial(string dir, Dictionary<string, Tensor> dit, Dictionary<string, Tensor> vae,
        Dictionary<string, Tensor> clip, Dictionary<string, Tensor> t5)
    {
        SafetensorsWriter.Save(Path.Combine(dir, "flux1-dev.safetensors"), dit);
        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(Transformer));
        SafetensorsWriter.Save(Path.Combine(dir, "ae.safetensors"), vae);

        string clipDir = Directory.CreateDirectory(Path.Combine(dir, "openai", "clip-vit-large-patch14")).FullName;
        using var vision = torch.zeros(8);
        using var scale = torch.ones(1);
        using var projection = torch.zeros(4, Clip.HiddenSize);
        using var positionIds = torch.arange(77, dtype: ScalarType.Int64).unsqueeze(0);
        // a CLIPModel checkpoint: text and vision towers, projections, logit scale, position-id buffer
        SafetensorsWriter.Save(Path.Combine(clipDir, "model.safetensors"), new Dictionary<string, Tensor>(clip)
        {
            ["vision_model.embeddings.class_embedding"] = vision, ["logit_scale"] = scale, ["text_projection.weight"] = projection,
            ["text_model.embeddings.position_ids"] = positionIds,
        });
        File.WriteAllText(Path.Combine(clipDir, "config.json"),
            "{\"architectures\":[\"CLIPModel\"],\"text_config\":" + ClipConfigJson() + ",\"vision_config\":{\"hidden_size\":8}}");
        CopyClipTokenizer(clipDir, withConfig: false);

        string t5Dir = Directory.CreateDirectory(Path.Combine(dir, "google", "t5-v1_1-xxl")).FullName;
        using var decoder = torch.zeros(T5.Dim, T5.Dim);
        using var head = torch.zeros(T5.Vocab, T5.Dim);
        using var tied = t5["shared.weight"].clone();
        // a T5ForConditionalGeneration checkpoint: encoder, tied embedding, decoder, LM head
        SafetensorsWriter.Save(Path.Combine(t5Dir, "model.safetensors"), new Dictionary<string, Tensor>(t5)
        {
            ["encoder.embed_tokens.weight"] = tied, ["decoder.block.0.layer.0.SelfAttention.q.weight"] = decoder, ["lm_head.weight"] = head,
        });
        File.WriteAllText(Path.Combine(t5Dir, "config.json"), T5ConfigJson("T5ForConditionalGeneration"));
        File.Copy(SpmModel, Path.Combine(t5Dir, "spiece.model"));
    }

    private static void WriteDiffusers(string dir, Dictionary<string, Tensor> dit, Dictionary<string, Tensor> vae,
        Dictionary<string, Tensor> clip, Dictionary<string, Tensor> t5)
    {
        File.WriteAllText(Path.Combine(dir, "model_index.json"), "{\"_class_name\":\"FluxPipeline\"}");
        string tDir = Directory.CreateDirectory(Path.Combine(dir, "transformer")).FullName;
        File.WriteAllText(Path.Combine(tDir, "config.json"), FluxDiffusersConfig.Write(Transformer));
        var dTensors = FluxDiffusersKeysTests.ToDiffusers(FluxDiffusersKeys.Transformer(Transformer), dit,
            (m, s) => FluxDiffusersKeys.SourceShapes(m, s, Transformer));
        Sharded(tDir, "diffusion_pytorch_model", dTensors);

        string vDir = Directory.CreateDirectory(Path.Combine(dir, "vae")).FullName;
        File.WriteAllText(Path.Combine(vDir, "config.json"), FluxVaeDiffusersKeys.WriteConfig(Vae));
        var vTensors = FluxDiffusersKeysTests.ToDiffusers(FluxVaeDiffusersKeys.All(Vae), vae, (m, s) => [FluxVaeDiffusersKeys.SourceShape(m, s)]);
        SafetensorsWriter.Save(Path.Combine(vDir, "diffusion_pytorch_model.safetensors"), vTensors);

        string cDir = Directory.CreateDirectory(Path.Combine(dir, "text_encoder")).FullName;
        using var positionIds = torch.arange(77, dtype: ScalarType.Int64).unsqueeze(0);
        SafetensorsWriter.Save(Path.Combine(cDir, "model.safetensors"), new Dictionary<string, Tensor>(clip) { ["text_model.embeddings.position_ids"] = positionIds });
        File.WriteAllText(Path.Combine(cDir, "config.json"), ClipConfigJson());
        CopyClipTokenizer(Directory.CreateDirectory(Path.Combine(dir, "tokenizer")).FullName, withConfig: true);

        string t5Dir = Directory.CreateDirectory(Path.Combine(dir, "text_encoder_2")).FullName;
        File.WriteAllText(Path.Combine(t5Dir, "config.json"), T5ConfigJson("T5EncoderModel"));
        Sharded(t5Dir, "model", t5);
        Directory.CreateDirectory(Path.Combine(dir, "tokenizer_2"));
        File.Copy(SpmModel, Path.Combine(dir, "tokenizer_2", "spiece.model"));
        foreach (var t in dTensors.Values.Concat(vTensors.Values)) t.Dispose();
    }

    // Two shards "<stem>-0000N-of-00002.safetensors" and "<stem>.safetensors.index.json".
    private static void Sharded(string dir, string stem, Dictionary<string, Tensor> tensors)
    {
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToList();
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int s = 0; s < 2; s++)
        {
            string file = string.Create(CultureInfo.InvariantCulture, $"{stem}-{s + 1:00000}-of-00002.safetensors");
            var part = names.Where((_, i) => i % 2 == s).ToDictionary(n => n, n => tensors[n], StringComparer.Ordinal);
            SafetensorsWriter.Save(Path.Combine(dir, file), part);
            foreach (var n in part.Keys) map[n] = file;
        }
        File.WriteAllText(Path.Combine(dir, stem + ".safetensors.index.json"), JsonSerializer.Serialize(new { metadata = new { }, weight_map = map }));
    }

    private static string SpmModel => Path.Combine(FluxFixtures.Directory, "..", "wan", "spm-tiny.model");

    private static void CopyClipTokenizer(string dir, bool withConfig)
    {
        foreach (var f in new[] { "vocab.json", "merges.txt" }) File.Copy(FluxFixtures.PathOf(Path.Combine("clip-tokenizer", f)), Path.Combine(dir, f));
        if (withConfig) File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), "{\"pad_token\":\"<|endoftext|>\",\"model_max_length\":77}");
    }

    private static string ClipConfigJson() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["hidden_size"] = Clip.HiddenSize, ["intermediate_size"] = Clip.IntermediateSize, ["num_attention_heads"] = Clip.NumAttentionHeads,
        ["num_hidden_layers"] = Clip.NumHiddenLayers, ["vocab_size"] = Clip.VocabSize, ["max_position_embeddings"] = 77,
        ["hidden_act"] = "quick_gelu", ["eos_token_id"] = 2,
    });

    private static string T5ConfigJson(string architecture) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["architectures"] = new[] { architecture }, ["d_model"] = T5.Dim, ["d_kv"] = T5.DimAttn / T5.NumHeads, ["d_ff"] = T5.DimFfn,
        ["num_heads"] = T5.NumHeads, ["num_layers"] = T5.NumLayers, ["vocab_size"] = T5.Vocab, ["feed_forward_proj"] = "gated-gelu",
        ["relative_attention_num_buckets"] = 32, ["layer_norm_epsilon"] = 1e-6,
    });
}
