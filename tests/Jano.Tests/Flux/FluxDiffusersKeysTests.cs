using System.Globalization;
using Jano.Core.Weights;
using Jano.Models.Flux;
using Jano.Models.Flux.Autoencoder;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Flux;

/// <summary>The Diffusers ↔ official FLUX rename tables, rule by rule, and against diffusers' own conversion code
/// (diffusers-*-tiny.txt from make_flux_diffusers_fixtures.py: names, shapes and value fingerprints).</summary>
public class FluxDiffusersKeysTests
{
    /// <summary>The tiny config with the Diffusers model's fixed mlp_ratio 4 (the script's TINY).</summary>
    internal static FluxConfig DiffusersTiny { get; } = FluxFixtures.TinyConfig with { MlpRatio = 4.0 };

    private static Dictionary<string, Tensor> OfficialTiny(nn.Module model) => FluxFixtureWeights.StateDict(model);

    /// <summary>The Diffusers tensors my rules make from the official state dict (new tensors).</summary>
    internal static Dictionary<string, Tensor> ToDiffusers(IReadOnlyList<TensorMapping> mappings, Dictionary<string, Tensor> official,
        Func<TensorMapping, long[], IReadOnlyList<long[]>> shapes)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var m in mappings)
            foreach (var (name, t) in m.Split(official[m.Target], shapes(m, official[m.Target].shape)))
                result.Add(name, t);
        return result;
    }

    [Fact]
    public void TransformerRulesGiveExactlyWhatDiffusersConversionScriptGives()
    {
        using var model = new FluxModel(DiffusersTiny, torch.META);
        var official = OfficialTiny(model);
        var mine = ToDiffusers(FluxDiffusersKeys.Transformer(DiffusersTiny), official, (m, s) => FluxDiffusersKeys.SourceShapes(m, s, DiffusersTiny));
        AssertSameAsScript("diffusers-transformer-tiny.txt", mine);
        foreach (var t in official.Values.Concat(mine.Values)) t.Dispose();
    }

    [Fact]
    public void VaeRulesGiveExactlyWhatDiffusersConvertLdmVaeCheckpointGives()
    {
        using var vae = new FluxAutoEncoder(FluxVaeGoldenTests.TinyConfig, torch.META);
        var official = OfficialTiny(vae);
        var mine = ToDiffusers(FluxVaeDiffusersKeys.All(FluxVaeGoldenTests.TinyConfig), official, (m, s) => [FluxVaeDiffusersKeys.SourceShape(m, s)]);
        AssertSameAsScript("diffusers-vae-tiny.txt", mine);
        foreach (var t in official.Values.Concat(mine.Values)) t.Dispose();
    }

    [Fact]
    public void RenameRuleMapsOneTensorUnchanged()
    {
        var m = FluxDiffusersKeys.Transformer(DiffusersTiny).Single(x => x.Target == "img_in.weight");
        Assert.Equal(["x_embedder.weight"], m.Sources);
        Assert.False(m.SwapHalves || m.ReshapeToTarget);
        using var src = torch.arange(12, dtype: ScalarType.Float32).view(3, 4);
        using var t = m.Apply([src], [3, 4]);
        Assert.True(TestModels.BitEqual(src, t));
    }

    [Fact]
    public void DoubleBlockQkvIsFusedFromToQToKToVInThatOrderAndTextQkvFromTheAddedProjections()
    {
        var rules = FluxDiffusersKeys.Transformer(DiffusersTiny);
        var img = rules.Single(x => x.Target == "double_blocks.1.img_attn.qkv.weight");
        Assert.Equal(["transformer_blocks.1.attn.to_q.weight", "transformer_blocks.1.attn.to_k.weight", "transformer_blocks.1.attn.to_v.weight"], img.Sources);
        var txt = rules.Single(x => x.Target == "double_blocks.0.txt_attn.qkv.bias");
        Assert.Equal(["transformer_blocks.0.attn.add_q_proj.bias", "transformer_blocks.0.attn.add_k_proj.bias", "transformer_blocks.0.attn.add_v_proj.bias"], txt.Sources);
        using var q = torch.full([2, 3], 1f);
        using var k = torch.full([2, 3], 2f);
        using var v = torch.full([2, 3], 3f);
        using var fused = img.Apply([q, k, v], [6, 3]);
        Assert.Equal([1f, 1f, 2f, 2f, 3f, 3f], fused.select(1, 0).data<float>().ToArray());
        var back = img.Split(fused, FluxDiffusersKeys.SourceShapes(img, [6, 3], DiffusersTiny));
        Assert.True(TestModels.BitEqual(back[1].Tensor, k));
        foreach (var (_, t) in back) t.Dispose();
    }

    [Fact]
    public void SingleBlockLinear1IsFusedFromQKVAndProjMlp()
    {
        var m = FluxDiffusersKeys.Transformer(DiffusersTiny).Single(x => x.Target == "single_blocks.1.linear1.weight");
        Assert.Equal(["single_transformer_blocks.1.attn.to_q.weight", "single_transformer_blocks.1.attn.to_k.weight",
            "single_transformer_blocks.1.attn.to_v.weight", "single_transformer_blocks.1.proj_mlp.weight"], m.Sources);
        long c = DiffusersTiny.HiddenSize, mlp = DiffusersTiny.MlpHiddenDim;
        var shapes = FluxDiffusersKeys.SourceShapes(m, [3 * c + mlp, c], DiffusersTiny);
        Assert.Equal([[c, c], [c, c], [c, c], [mlp, c]], shapes);
        var parts = shapes.Select((s, i) => torch.full(s, (float)(i + 1))).ToArray();
        using var fused = m.Apply(parts, [3 * c + mlp, c]);
        Assert.Equal(1f, fused[0, 0].item<float>());
        Assert.Equal(3f, fused[3 * c - 1, 0].item<float>());
        Assert.Equal(4f, fused[3 * c, 0].item<float>());
        foreach (var p in parts) p.Dispose();
    }

    [Fact]
    public void NormOutHalvesAreSwappedScaleShiftToShiftScale()
    {
        var rules = FluxDiffusersKeys.Transformer(DiffusersTiny);
        foreach (var p in new[] { "weight", "bias" })
        {
            var m = rules.Single(x => x.Target == $"final_layer.adaLN_modulation.1.{p}");
            Assert.Equal([$"norm_out.linear.{p}"], m.Sources);
            Assert.True(m.SwapHalves);
        }
        var w = rules.Single(x => x.Target == "final_layer.adaLN_modulation.1.bias");
        // Diffusers: [scale; shift] → official [shift; scale]
        using var diffusers = torch.cat([torch.full([4], 7f), torch.full([4], -1f)], 0);
        using var official = w.Apply([diffusers], [8]);
        Assert.Equal([-1f, -1f, -1f, -1f, 7f, 7f, 7f, 7f], official.data<float>().ToArray());
        var back = w.Split(official, [[8]]);
        Assert.True(TestModels.BitEqual(back[0].Tensor, diffusers));
        back[0].Tensor.Dispose();
    }

    [Fact]
    public void GuidanceRulesExistOnlyForGuidanceDistilledModels()
    {
        Assert.Contains(FluxDiffusersKeys.Transformer(DiffusersTiny), m => m.Sources[0] == "time_text_embed.guidance_embedder.linear_1.weight");
        Assert.DoesNotContain(FluxDiffusersKeys.Transformer(DiffusersTiny with { GuidanceEmbed = false }), m => m.Target.StartsWith("guidance_in", StringComparison.Ordinal));
    }

    [Fact]
    public void VaeAttentionWeightsAreLinearInDiffusersAndUpBlocksCountFromTheBottom()
    {
        var rules = FluxVaeDiffusersKeys.All(FluxVaeGoldenTests.TinyConfig);
        var q = rules.Single(m => m.Target == "encoder.mid.attn_1.q.weight");
        Assert.Equal(["encoder.mid_block.attentions.0.to_q.weight"], q.Sources);
        Assert.True(q.ReshapeToTarget);
        Assert.Equal([64L, 64L], FluxVaeDiffusersKeys.SourceShape(q, [64, 64, 1, 1]));
        Assert.Equal(["decoder.mid_block.attentions.0.to_out.0.bias"], rules.Single(m => m.Target == "decoder.mid.attn_1.proj_out.bias").Sources);
        Assert.Equal(["decoder.up_blocks.0.resnets.0.conv1.weight"], rules.Single(m => m.Target == "decoder.up.2.block.0.conv1.weight").Sources);
        Assert.Equal(["decoder.up_blocks.1.upsamplers.0.conv.weight"], rules.Single(m => m.Target == "decoder.up.1.upsample.conv.weight").Sources);
        Assert.Equal(["encoder.down_blocks.1.resnets.0.conv_shortcut.weight"], rules.Single(m => m.Target == "encoder.down.1.block.0.nin_shortcut.weight").Sources);
        Assert.Equal(["encoder.conv_norm_out.weight"], rules.Single(m => m.Target == "encoder.norm_out.weight").Sources);
    }

    private static void AssertSameAsScript(string file, Dictionary<string, Tensor> mine)
    {
        var lines = File.ReadAllLines(FluxFixtures.PathOf(file)).Where(l => l.Length > 0).Select(l => l.Split('\t')).ToList();
        var expected = lines.ToDictionary(p => p[0], p => (Shape: p[1], Print: double.Parse(p[2], CultureInfo.InvariantCulture)), StringComparer.Ordinal);
        var missing = expected.Keys.Except(mine.Keys).ToList();
        var extra = mine.Keys.Except(expected.Keys).ToList();
        Assert.True(missing.Count + extra.Count == 0, $"missing [{string.Join(", ", missing)}]; extra [{string.Join(", ", extra)}]");
        foreach (var (name, t) in mine)
        {
            Assert.Equal(expected[name].Shape, string.Join(",", t.shape));
            double print = Fingerprint(t), want = expected[name].Print;
            Assert.True(Math.Abs(print - want) <= 1e-9 * Math.Max(1, Math.Abs(want)), $"{name}: fingerprint {print} vs {want}");
        }
    }

    private static double Fingerprint(Tensor t)
    {
        using var flat = t.to(ScalarType.Float64).reshape(-1);
        var v = flat.data<double>().ToArray();
        double sum = 0;
        for (int j = 0; j < v.Length; j++) sum += v[j] * (1 + j % 7);
        return sum;
    }
}
