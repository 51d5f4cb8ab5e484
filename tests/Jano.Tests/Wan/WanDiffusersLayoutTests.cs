using System.Globalization;
using System.Text.Json;
using Jano.Core.Acceleration;
using Jano.Core.Weights;
using Jano.Engine.Jobs;
using Jano.Engine.Pipelines;
using Jano.Models.Wan;
using Jano.Models.Wan.TextEncoder;
using Jano.Tests.Cli;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Wan;

/// <summary>
/// The Diffusers layout: tiny official weights are written under Diffusers names by this test's own converter (the
/// substring replacements of diffusers' <c>convert_wan_to_diffusers.py</c>, applied in its order, and a hand-written HF
/// umT5 list), loaded through the rename tables, and must give bit-identical forwards; a few known Diffusers names are
/// checked explicitly; unknown names are one clear error; folders are inspected and generated from. The VAE follows
/// diffusers' <c>convert_vae()</c> written out the same way.
/// </summary>
[Collection("Sequential")]
public sealed class WanDiffusersLayoutTests : IDisposable
{
    private const string Io = "dit-tiny-io.safetensors";
    private readonly string _root = CliRunner.TempDir();

    // diffusers' TRANSFORMER_KEYS_RENAME_DICT for t2v, applied as str.replace in dict order (official → Diffusers).
    private static readonly (string From, string To)[] DiffusersReplacements =
    [
        ("time_embedding.0", "condition_embedder.time_embedder.linear_1"),
        ("time_embedding.2", "condition_embedder.time_embedder.linear_2"),
        ("text_embedding.0", "condition_embedder.text_embedder.linear_1"),
        ("text_embedding.2", "condition_embedder.text_embedder.linear_2"),
        ("time_projection.1", "condition_embedder.time_proj"),
        ("head.modulation", "scale_shift_table"),
        ("head.head", "proj_out"),
        ("modulation", "scale_shift_table"),
        ("ffn.0", "ffn.net.0.proj"),
        ("ffn.2", "ffn.net.2"),
        ("norm2", "norm__placeholder"),
        ("norm3", "norm2"),
        ("norm__placeholder", "norm3"),
        ("self_attn.q", "attn1.to_q"), ("self_attn.k", "attn1.to_k"), ("self_attn.v", "attn1.to_v"), ("self_attn.o", "attn1.to_out.0"),
        ("self_attn.norm_q", "attn1.norm_q"), ("self_attn.norm_k", "attn1.norm_k"),
        ("cross_attn.q", "attn2.to_q"), ("cross_attn.k", "attn2.to_k"), ("cross_attn.v", "attn2.to_v"), ("cross_attn.o", "attn2.to_out.0"),
        ("cross_attn.norm_q", "attn2.norm_q"), ("cross_attn.norm_k", "attn2.norm_k"),
    ];

    private static string ToDiffusersByScript(string key) => DiffusersReplacements.Aggregate(key, (k, r) => k.Replace(r.From, r.To));

    // HF UMT5EncoderModel names, written out by hand (official → HF).
    private static string ToHfByHand(string key)
    {
        if (key == "token_embedding.weight") return "shared.weight";
        if (key == "norm.weight") return "encoder.final_layer_norm.weight";
        var p = key.Split('.', 3); // blocks, i, rest
        string rest = p[2] switch
        {
            "norm1.weight" => "layer.0.layer_norm.weight",
            "attn.q.weight" => "layer.0.SelfAttention.q.weight",
            "attn.k.weight" => "layer.0.SelfAttention.k.weight",
            "attn.v.weight" => "layer.0.SelfAttention.v.weight",
            "attn.o.weight" => "layer.0.SelfAttention.o.weight",
            "pos_embedding.embedding.weight" => "layer.0.SelfAttention.relative_attention_bias.weight",
            "norm2.weight" => "layer.1.layer_norm.weight",
            "ffn.gate.0.weight" => "layer.1.DenseReluDense.wi_0.weight",
            "ffn.fc1.weight" => "layer.1.DenseReluDense.wi_1.weight",
            "ffn.fc2.weight" => "layer.1.DenseReluDense.wo.weight",
            _ => throw new ArgumentException(key),
        };
        return $"encoder.block.{p[1]}.{rest}";
    }

    // diffusers' convert_vae() (official → Diffusers), written out in the script's own if/else order.
    private static string VaeToDiffusersByScript(string key)
    {
        static string? Residual(string k) =>
            k.EndsWith(".residual.0.gamma", StringComparison.Ordinal) ? ".norm1.gamma" : k.EndsWith(".residual.2.bias", StringComparison.Ordinal) ? ".conv1.bias" :
            k.EndsWith(".residual.2.weight", StringComparison.Ordinal) ? ".conv1.weight" : k.EndsWith(".residual.3.gamma", StringComparison.Ordinal) ? ".norm2.gamma" :
            k.EndsWith(".residual.6.bias", StringComparison.Ordinal) ? ".conv2.bias" : k.EndsWith(".residual.6.weight", StringComparison.Ordinal) ? ".conv2.weight" : null;
        var p = key.Split('.');
        foreach (var side in new[] { "encoder", "decoder" })
        {
            for (int i = 0; i < 2; i++)
                if (key.StartsWith($"{side}.middle.{2 * i}.residual.", StringComparison.Ordinal)) return $"{side}.mid_block.resnets.{i}{Residual(key)}";
            if (key.StartsWith($"{side}.middle.1.", StringComparison.Ordinal)) return $"{side}.mid_block.attentions.0.{key[$"{side}.middle.1.".Length..]}";
            if (key == $"{side}.head.0.gamma") return $"{side}.norm_out.gamma";
            if (key.StartsWith($"{side}.head.2.", StringComparison.Ordinal)) return $"{side}.conv_out.{p[^1]}";
            if (key.StartsWith($"{side}.conv1.", StringComparison.Ordinal)) return $"{side}.conv_in.{p[^1]}";
        }
        if (key.StartsWith("conv1.", StringComparison.Ordinal)) return $"quant_conv.{p[^1]}";
        if (key.StartsWith("conv2.", StringComparison.Ordinal)) return $"post_quant_conv.{p[^1]}";
        if (key.StartsWith("encoder.downsamples.", StringComparison.Ordinal))
        {
            var k = key.Replace("encoder.downsamples.", "encoder.down_blocks.");
            if (Residual(k) is { } r) return string.Join('.', k.Split('.')[..3]) + r;
            return k.Replace(".shortcut.", ".conv_shortcut.");
        }
        if (key.StartsWith("decoder.upsamples.", StringComparison.Ordinal))
        {
            int b = int.Parse(p[2], CultureInfo.InvariantCulture);
            if (key.Contains("residual"))
            {
                int block = b <= 2 ? 0 : b <= 6 ? 1 : b <= 10 ? 2 : 3, resnet = b - 4 * block;
                return $"decoder.up_blocks.{block}.resnets.{resnet}{Residual(key)}";
            }
            if (key.Contains(".shortcut."))
                return b == 4 ? key.Replace(".shortcut.", ".resnets.0.conv_shortcut.").Replace("decoder.upsamples.4", "decoder.up_blocks.1")
                    : key.Replace("decoder.upsamples.", "decoder.up_blocks.").Replace(".shortcut.", ".conv_shortcut.");
            if (key.Contains(".resample.") || key.Contains(".time_conv."))
                return b switch
                {
                    3 => key.Replace("decoder.upsamples.3", "decoder.up_blocks.0.upsamplers.0"),
                    7 => key.Replace("decoder.upsamples.7", "decoder.up_blocks.1.upsamplers.0"),
                    11 => key.Replace("decoder.upsamples.11", "decoder.up_blocks.2.upsamplers.0"),
                    _ => key.Replace("decoder.upsamples.", "decoder.up_blocks."),
                };
        }
        return key;
    }

    private static void WriteRenamed(string source, string target, Func<string, string> rename, params (string Name, Tensor Value)[] extra)
    {
        using var f = SafetensorsFile.Open(source);
        var tensors = f.Entries.Select(e => new KeyValuePair<string, Tensor>(rename(e.Name), f.Read(e.Name))).ToList();
        tensors.AddRange(extra.Select(x => new KeyValuePair<string, Tensor>(x.Name, x.Value)));
        try
        {
            SafetensorsWriter.Save(target, tensors);
        }
        finally
        {
            foreach (var t in tensors) t.Value.Dispose();
        }
    }

    [Fact]
    public void WanDiffusersDitNamesLoadBitIdenticallyToTheOfficialLayout()
    {
        using var _ = torch.no_grad();
        string diffusersFile = Path.Combine(_root, "diffusion_pytorch_model.safetensors");
        WriteRenamed(WanFixtures.PathOf("dit-tiny.safetensors"), diffusersFile, ToDiffusersByScript);
        using (var f = SafetensorsFile.Open(diffusersFile))
        {
            var names = f.Entries.Select(e => e.Name).ToHashSet();
            foreach (var known in new[]
                     {
                         "patch_embedding.weight", "condition_embedder.time_embedder.linear_1.weight", "condition_embedder.time_proj.bias",
                         "condition_embedder.text_embedder.linear_2.weight", "blocks.0.attn1.to_q.weight", "blocks.0.attn1.to_out.0.bias",
                         "blocks.0.attn1.norm_k.weight", "blocks.1.attn2.to_v.weight", "blocks.1.norm2.weight", "blocks.1.norm2.bias",
                         "blocks.0.ffn.net.0.proj.weight", "blocks.0.ffn.net.2.bias", "blocks.1.scale_shift_table", "scale_shift_table",
                         "proj_out.weight",
                     })
                Assert.Contains(known, names);
            Assert.DoesNotContain(names, n => n.Contains("self_attn") || n.Contains("norm3") || n.Contains("modulation") || n.StartsWith("head.", StringComparison.Ordinal));
            Assert.Equal([1, 6, 48], f.Entries.Single(e => e.Name == "blocks.0.scale_shift_table").Shape);
            Assert.Equal([1, 2, 48], f.Entries.Single(e => e.Name == "scale_shift_table").Shape);
        }
        using var official = WanFixtures.TinyModel();
        using var diffusers = new WanModel(WanFixtures.TinyConfig);
        var report = WeightLoader.LoadInto(diffusers, [diffusersFile], WanDiffusersKeys.ToOfficial);
        Assert.Equal(official.state_dict().Count, report.Tensors);
        diffusers.eval();
        using var x = WanFixtures.Read(Io, "input.x");
        using var t = WanFixtures.Read(Io, "input.t");
        using var c = WanFixtures.Read(Io, "input.context");
        using var a = official.Forward(x, t, c, NullHooks.Instance);
        using var b = diffusers.Forward(x, t, c, NullHooks.Instance);
        Assert.True(TestModels.BitEqual(a, b));
    }

    [Fact]
    public void WanDiffusersUnknownKeyIsOneClearError()
    {
        string file = Path.Combine(_root, "fused.safetensors");
        using var extra = torch.zeros(3, 3);
        WriteRenamed(WanFixtures.PathOf("dit-tiny.safetensors"), file, ToDiffusersByScript, ("blocks.0.attn1.to_qkv.weight", extra));
        using var model = new WanModel(WanFixtures.TinyConfig);
        var e = Assert.Throws<WeightFileException>(() => WeightLoader.LoadInto(model, [file], WanDiffusersKeys.ToOfficial));
        Assert.Equal("unknown Diffusers transformer key 'blocks.0.attn1.to_qkv.weight' (only Wan2.1 text-to-video WanTransformer3DModel names are supported)", e.Message);
        Assert.Equal("unknown UMT5EncoderModel key 'decoder.block.0.layer.0.SelfAttention.q.weight' (only the umT5 encoder's names are supported)",
            Assert.Throws<WeightFileException>(() => UmT5HfKeys.ToOfficial("decoder.block.0.layer.0.SelfAttention.q.weight")).Message);
    }

    // Every official key of both released DiTs and of umT5-XXL maps to a distinct name that the script / hand list agrees on and back.
    [Fact]
    public void WanDiffusersTablesCoverTheReleasedKeySets()
    {
        foreach (var file in new[] { "keys-1.3b.txt", "keys-14b.txt" })
        {
            var keys = WanFixtures.Keys(file).Keys.ToList();
            var names = keys.Select(WanDiffusersKeys.ToDiffusers).ToList();
            Assert.Equal(keys.Select(ToDiffusersByScript), names);
            Assert.Equal(keys.Count, names.Distinct().Count());
            Assert.Equal(keys, names.Select(WanDiffusersKeys.ToOfficial));
        }
        var t5 = WanFixtures.Keys("keys-umt5-xxl.txt").Keys.ToList();
        Assert.Equal(t5.Select(ToHfByHand), t5.Select(UmT5HfKeys.ToHf));
        Assert.Equal(t5, t5.Select(ToHfByHand).Select(UmT5HfKeys.ToOfficial));
    }

    // Every key of the released VAE (and of the tiny fixture) maps to a distinct Diffusers name and back; a few known names.
    [Fact]
    public void WanDiffusersVaeTableCoversTheReleasedKeys()
    {
        var keys = WanFixtures.Keys("vae-keys-full.txt").Keys.ToList();
        var names = keys.Select(VaeToDiffusersByScript).ToList();
        Assert.Equal(keys.Count, names.Distinct().Count());
        Assert.Equal(keys, names.Select(Jano.Models.Wan.Vae.WanVaeDiffusersKeys.ToOfficial));
        foreach (var known in new[]
                 {
                     "quant_conv.weight", "post_quant_conv.bias", "encoder.conv_in.weight", "encoder.mid_block.resnets.1.norm2.gamma",
                     "encoder.mid_block.attentions.0.to_qkv.weight", "encoder.norm_out.gamma", "decoder.conv_out.bias",
                     "encoder.down_blocks.2.resample.1.weight", "decoder.up_blocks.1.resnets.0.conv_shortcut.weight",
                     "decoder.up_blocks.0.upsamplers.0.time_conv.weight", "decoder.up_blocks.3.resnets.2.conv2.weight",
                 })
            Assert.Contains(known, names);
        Assert.Equal("unknown Diffusers VAE key 'decoder.up_blocks.0.attentions.0.proj.weight' (only the Wan2.1 AutoencoderKLWan names are supported)",
            Assert.Throws<WeightFileException>(() => Jano.Models.Wan.Vae.WanVaeDiffusersKeys.ToOfficial("decoder.up_blocks.0.attentions.0.proj.weight")).Message);
    }

    [Fact]
    public void WanDiffusersVaeNamesDecodeBitIdentically()
    {
        using var _ = torch.no_grad();
        string file = Path.Combine(_root, "vae.safetensors");
        WriteRenamed(WanFixtures.PathOf("vae-tiny.safetensors"), file, VaeToDiffusersByScript);
        using var st = SafetensorsFile.Open(WanFixtures.PathOf("vae-tiny.safetensors"));
        var cfg = Jano.Models.Wan.Vae.WanVaeConfig.Wan21 with { Dim = (int)st.Entries.Single(e => e.Name == "encoder.conv1.weight").Shape[0] };
        using var official = new Jano.Models.Wan.Vae.WanVae(cfg);
        WeightLoader.LoadInto(official, [WanFixtures.PathOf("vae-tiny.safetensors")]);
        using var diffusers = new Jano.Models.Wan.Vae.WanVae(cfg);
        WeightLoader.LoadInto(diffusers, [file], Jano.Models.Wan.Vae.WanVaeDiffusersKeys.ToOfficial);
        official.eval();
        diffusers.eval();
        using var z = TestModels.Randn(3, [1, 16, 2, 4, 4]);
        using var a = official.Decode(z);
        using var b = diffusers.Decode(z);
        Assert.True(TestModels.BitEqual(a, b));
    }

    [Fact]
    public void WanDiffusersConfigReadsTheReleasedConfigs()
    {
        foreach (var cfg in new[] { WanConfig.T2V_1_3B, WanConfig.T2V_14B })
        {
            var parsed = WanDiffusersConfig.Parse(WanDiffusersConfig.Write(cfg));
            Assert.Equal(cfg with { PatchSize = parsed.PatchSize }, parsed);
            Assert.Equal(cfg.PatchSize, parsed.PatchSize);
        }
        // the published Wan2.1-T2V-1.3B-Diffusers transformer/config.json, as written by diffusers
        const string published = """
            {"_class_name": "WanTransformer3DModel", "_diffusers_version": "0.33.0.dev0", "added_kv_proj_dim": null,
             "attention_head_dim": 128, "cross_attn_norm": true, "eps": 1e-06, "ffn_dim": 8960, "freq_dim": 256,
             "image_dim": null, "in_channels": 16, "num_attention_heads": 12, "num_layers": 30, "out_channels": 16,
             "patch_size": [1, 2, 2], "qk_norm": "rms_norm_across_heads", "rope_max_seq_len": 1024, "text_dim": 4096}
            """;
        var p = WanDiffusersConfig.Parse(published);
        Assert.Equal(WanConfig.T2V_1_3B with { PatchSize = p.PatchSize }, p);
        var e = Assert.Throws<ArgumentException>(() => WanDiffusersConfig.Parse(published.Replace("\"image_dim\": null", "\"image_dim\": 1280")));
        Assert.Equal("transformer/config.json: 'image_dim' is set: image-to-video Wan models are not supported", e.Message);
    }

    [Fact]
    public void WanDiffusersTextEncoderNamesLoadBitIdenticallyWithTheTiedCopySkipped()
    {
        using var _ = torch.no_grad();
        var dir = Path.Combine(_root, "te");
        Directory.CreateDirectory(Path.Combine(dir, "text_encoder"));
        File.WriteAllText(Path.Combine(dir, WanCheckpointLayout.ModelIndex), "{}");
        using (var f = SafetensorsFile.Open(WanFixtures.PathOf("t5-tiny.safetensors")))
        {
            using var tied = f.Read("token_embedding.weight");
            WriteRenamed(WanFixtures.PathOf("t5-tiny.safetensors"), Path.Combine(dir, "text_encoder", "model.safetensors"), ToHfByHand,
                (UmT5HfKeys.TiedEmbedding, tied));
        }
        var layout = WanCheckpointLayout.Of(dir);
        Assert.True(layout.IsDiffusers);
        var files = layout.TextEncoderFiles;
        List<string> names;
        using (var f = SafetensorsFile.Open(files[0])) names = f.Entries.Select(e => e.Name).ToList();
        Assert.Contains("encoder.block.1.layer.1.DenseReluDense.wi_0.weight", names);
        Assert.Contains("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", names);
        var skip = layout.TextEncoderSkip(names);
        Assert.Equal(UmT5Config.Tiny, WanPipeline.TextEncoderConfig(files, layout.TextEncoderRename, skip) with { MaxDist = UmT5Config.Tiny.MaxDist, Eps = UmT5Config.Tiny.Eps });
        using var official = new UmT5Encoder(UmT5Config.Tiny);
        WeightLoader.LoadInto(official, [WanFixtures.PathOf("t5-tiny.safetensors")]);
        using var hf = new UmT5Encoder(UmT5Config.Tiny);
        WeightLoader.LoadInto(hf, files, layout.TextEncoderRename, skip);
        official.eval();
        hf.eval();
        using var ids = WanFixtures.Read("t5-tiny-io.safetensors", "input.ids");
        using var mask = WanFixtures.Read("t5-tiny-io.safetensors", "input.mask");
        using var a = official.Forward(ids, mask);
        using var b = hf.Forward(ids, mask);
        Assert.True(TestModels.BitEqual(a, b));
        // without skipping, the tied copy collides with shared.weight: the loader's duplicate check still holds
        Assert.Throws<WeightFileException>(() => WeightLoader.LoadInto(hf, files, layout.TextEncoderRename));
    }

    // A tiny official folder and the same weights in the Diffusers layout: inspect says so, generate gives identical frames.
    [Fact]
    public void WanDiffusersFolderInspectsAndGeneratesLikeTheOfficialFolder()
    {
        var cfg = WanFixtures.TinyConfig with { TextLen = 512 }; // Diffusers configs carry no text_len: the pipeline's 512
        string official = Path.Combine(_root, "official"), diffusers = Path.Combine(_root, "diffusers");
        Directory.CreateDirectory(Path.Combine(official, "google", "umt5-xxl"));
        foreach (var sub in new[] { "transformer", "text_encoder", "tokenizer", "vae" }) Directory.CreateDirectory(Path.Combine(diffusers, sub));
        File.WriteAllText(Path.Combine(official, InspectJob.ConfigFile), JsonSerializer.Serialize(cfg));
        File.Copy(WanFixtures.PathOf("dit-tiny.safetensors"), Path.Combine(official, InspectJob.DitFile));
        File.Copy(WanFixtures.PathOf("vae-tiny.pth"), Path.Combine(official, InspectJob.VaeFile));
        File.Copy(WanFixtures.PathOf("spm-tiny.model"), Path.Combine(official, "google", "umt5-xxl", "spiece.model"));
        string t5Official = Path.Combine(_root, "t5.safetensors");
        manual_seed(11);
        using (var t5 = new UmT5Encoder(UmT5Config.Tiny with { Vocab = 569 }))
        {
            WanTestPthWriter.Write(Path.Combine(official, InspectJob.T5File), t5.state_dict().Select(kv => (kv.Key, kv.Value)));
            WeightLoader.Save(t5, t5Official);
        }

        File.WriteAllText(Path.Combine(diffusers, WanCheckpointLayout.ModelIndex), """{"_class_name": "WanPipeline"}""");
        File.WriteAllText(Path.Combine(diffusers, "transformer", "config.json"), WanDiffusersConfig.Write(cfg));
        WriteRenamed(WanFixtures.PathOf("dit-tiny.safetensors"), Path.Combine(diffusers, "transformer", "diffusion_pytorch_model.safetensors"), ToDiffusersByScript);
        WriteRenamed(t5Official, Path.Combine(diffusers, "text_encoder", "model.safetensors"), ToHfByHand);
        File.Copy(WanFixtures.PathOf("spm-tiny.model"), Path.Combine(diffusers, "tokenizer", "spiece.model"));
        File.WriteAllText(Path.Combine(diffusers, "vae", "diffusion_pytorch_model.safetensors"), "");

        // a broken part: one clear line, before any compute
        var report = InspectJob.Run(diffusers);
        Assert.Equal("Wan2.1-T2V (Diffusers)", report.Layout);
        Assert.Equal(["vae/diffusion_pytorch_model.safetensors"], report.Invalid);
        var r = CliRunner.Run("generate", "--model", diffusers, "--prompt", "a red fox runs", "--steps", "2", "--size", "32x32", "--frames", "1",
            "--threads", "1", "--out", Path.Combine(_root, "refused"));
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"jano: error: {Path.GetFullPath(diffusers)}: incomplete Wan2.1-T2V (Diffusers) checkpoint: invalid vae/diffusion_pytorch_model.safetensors", r.LastErrorLine);

        WriteRenamed(WanFixtures.PathOf("vae-tiny.safetensors"), Path.Combine(diffusers, "vae", "diffusion_pytorch_model.safetensors"), VaeToDiffusersByScript);
        r = CliRunner.Run("inspect", diffusers);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("(Diffusers)", r.Stdout);
        report = InspectJob.Run(diffusers);
        Assert.True(report.Complete, report.Summary);
        Assert.Equal(
            ["model_index.json", "transformer/config.json", "transformer/diffusion_pytorch_model*.safetensors", "text_encoder/model*.safetensors",
             "vae/diffusion_pytorch_model.safetensors", "tokenizer/spiece.model"], report.Items.Select(i => i.Name));
        Assert.EndsWith("match transformer/config.json (Diffusers names)", report.Items[2].Detail);
        Assert.EndsWith("AutoencoderKLWan names) match the Wan2.1 VAE structure at dim 8", report.Items[4].Detail);

        string outOfficial = Path.Combine(_root, "out-official"), outDiffusers = Path.Combine(_root, "out-diffusers");
        foreach (var (dir, outDir) in new[] { (official, outOfficial), (diffusers, outDiffusers) })
        {
            r = CliRunner.Run("generate", "--model", dir, "--prompt", "a red fox runs", "--steps", "2", "--size", "32x32", "--frames", "5",
                "--threads", "1", "--dtype", "float32", "--out", outDir);
            Assert.True(r.ExitCode == 0, r.Stderr);
        }
        for (int i = 0; i < 5; i++)
            Assert.Equal(File.ReadAllBytes(Path.Combine(outOfficial, "output_frames", $"frame_{i:D3}.png")),
                File.ReadAllBytes(Path.Combine(outDiffusers, "output_frames", $"frame_{i:D3}.png")));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
