using System.Text.Json;
using Jano.Core;
using Jano.Core.Weights;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Jano.Engine.Pipelines.Wan;
using Jano.Models.Wan;
using Jano.Models.Wan.TextEncoder;
using Jano.Tests.Cli;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Wan;

/// <summary><c>jano generate --model DIR</c> on a tiny folder in the official Wan2.1-T2V layout (tiny DiT fixture and
/// config.json, a seeded tiny umT5 written as a torch zip .pth, the tiny VAE .pth, the test SentencePiece model).</summary>
public sealed class WanGenerateTests : IDisposable
{
    private readonly string _root = CliRunner.TempDir();

    private string MakeFolder() => WanTinyFolder.Create(_root);

    private static JsonElement Report(string outDir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "report.json"))).RootElement;

    [Fact]
    public void Generate_on_a_tiny_official_layout_folder_writes_frames_and_report_with_and_without_jano()
    {
        var dir = MakeFolder();
        string outFull = Path.Combine(_root, "full"), outJano = Path.Combine(_root, "jano"), outEuler = Path.Combine(_root, "euler");
        var r = CliRunner.Run("generate", "--model", dir, "--prompt", "a red fox runs", "--steps", "3", "--size", "32x32", "--frames", "5",
            "--threads", "1", "--out", outFull);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var rep = Report(outFull);
        Assert.Equal("wan2.1-t2v (custom)", rep.GetProperty("model").GetString());
        Assert.Equal("unipc", rep.GetProperty("sampler").GetString());
        Assert.Equal("bfloat16", rep.GetProperty("dtype").GetString());
        Assert.Equal(5.0, rep.GetProperty("guidance").GetDouble());
        Assert.Equal(5.0, rep.GetProperty("shift").GetDouble());
        Assert.Equal("32x32", rep.GetProperty("size").GetString());
        Assert.Equal(5, rep.GetProperty("frames").GetInt32());
        Assert.Equal(["full", "full", "full"], rep.GetProperty("step_levels").EnumerateArray().Select(e => e.GetString()!).ToArray());
        // two forwards (cond, uncond) of all 2x2x2 tokens per step
        Assert.Equal([16L, 16L, 16L], rep.GetProperty("tokens_per_step").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        for (int i = 0; i < 5; i++) Assert.True(File.Exists(Path.Combine(outFull, "output_frames", $"frame_{i:D3}.png")));
        Assert.False(File.Exists(Path.Combine(outFull, "output_frames", "frame_005.png")));

        r = CliRunner.Run("generate", "--model", dir, "--prompt", "a red fox runs", "--steps", "3", "--size", "32x32", "--frames", "5",
            "--threads", "1", "--sampler", "euler", "--out", outEuler);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("euler", Report(outEuler).GetProperty("sampler").GetString());
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(outFull, "output_frames", "frame_004.png")),
            File.ReadAllBytes(Path.Combine(outEuler, "output_frames", "frame_004.png")));

        r = CliRunner.Run("generate", "--model", dir, "--prompt", "a red fox runs", "--steps", "4", "--size", "32x32", "--frames", "5",
            "--threads", "1", "--dtype", "float32", "--accel", "jano", "--compare",
            "--accel-option", "warmup_steps=1,cooldown_steps=1,analyze_block_size=1x2x2,static_thresh=1000,medium_thresh=2000,static_interval=2,medium_interval=2",
            "--out", outJano);
        Assert.True(r.ExitCode == 0, r.Stderr);
        rep = Report(outJano);
        Assert.Equal("jano", rep.GetProperty("accel").GetString());
        Assert.Equal("float32", rep.GetProperty("dtype").GetString());
        Assert.Equal("1x2x2", rep.GetProperty("options").GetProperty("analyze_block_size").GetString());
        var levels = rep.GetProperty("step_levels").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(4, levels.Length);
        Assert.Equal("full", levels[0]);
        Assert.Equal("full", levels[3]);
        Assert.Contains(levels, l => l != "full"); // every token static under huge thresholds → cheap steps in the middle
        Assert.InRange(rep.GetProperty("computed_token_fraction").GetDouble(), 0.0, 0.999);
        Assert.True(rep.TryGetProperty("psnr", out _));
        Assert.True(File.Exists(Path.Combine(outJano, "baseline_frames", "frame_004.png")));
    }

    [Fact]
    public void Generate_on_an_incomplete_folder_fails_before_compute_with_the_inspect_line()
    {
        var dir = MakeFolder();
        File.Delete(Path.Combine(dir, InspectJob.VaeFile));
        string outDir = Path.Combine(_root, "out");
        var r = CliRunner.Run("generate", "--model", dir, "--prompt", "x", "--steps", "2", "--size", "32x32", "--frames", "5", "--out", outDir);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"jano: error: {Path.GetFullPath(dir)}: incomplete Wan2.1-T2V checkpoint: missing {InspectJob.VaeFile}", r.LastErrorLine);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void Size_and_frames_are_validated_with_one_line_errors()
    {
        var cfg = WanFixtures.TinyConfig;
        Assert.Equal([16L, 21, 60, 104], WanPipeline.LatentShape(cfg, 832, 480, 81));
        Assert.Equal([16L, 1, 4, 4], WanPipeline.LatentShape(cfg, 32, 32, 1));
        Assert.Contains("4k+1", Assert.Throws<UsageException>(() => WanPipeline.LatentShape(cfg, 32, 32, 6)).Message);
        Assert.Contains("multiple of 16x16", Assert.Throws<UsageException>(() => WanPipeline.LatentShape(cfg, 40, 32, 5)).Message);
        var dir = MakeFolder();
        var r = CliRunner.Run("generate", "--model", dir, "--prompt", "x", "--frames", "6", "--size", "32x32", "--out", Path.Combine(_root, "o"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("4k+1", r.LastErrorLine);
    }

    [Fact]
    public void Text_encoder_config_is_read_from_the_checkpoint_and_the_catalog_lists_both_wan_models()
    {
        var dir = MakeFolder();
        using (var f = WeightLoader.OpenTensorFile(Path.Combine(dir, InspectJob.T5File)))
            Assert.Equal(UmT5Config.Tiny with { Vocab = 569 }, WanPipeline.TextEncoderConfig(f));
        Assert.Equal("wan2.1-t2v-1.3b", ModelCatalog.FindWan(WanConfig.T2V_1_3B)!.Name);
        Assert.Equal("wan2.1-t2v-14b", ModelCatalog.FindWan(WanConfig.T2V_14B)!.Name);
        Assert.Null(ModelCatalog.FindWan(WanFixtures.TinyConfig));
        var jano = AcceleratorCatalog.Create("jano", ModelCatalog.Find("wan2.1-t2v-1.3b"), null, null);
        var o = jano.Options.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal("6", o["warmup_steps"]);
        Assert.Equal("4", o["cooldown_steps"]);
        Assert.Equal("7x6x8", o["analyze_block_size"]);
        Assert.Equal("0.2", o["static_thresh"]);
        Assert.Equal("6", o["static_interval"]);
        Assert.Equal("0.6", o["medium_thresh"]);
        Assert.Equal("3", o["medium_interval"]);
        Assert.Equal("0.7", o["t_weight"]);
        Assert.Equal("1", o["d_distance"]);
        var models = CliRunner.Run("models");
        Assert.Equal(0, models.ExitCode);
        Assert.Contains("wan2.1-t2v-1.3b", models.Stdout);
        Assert.Contains("wan2.1-t2v-14b", models.Stdout);
        Assert.Contains("bring your own (--model PATH)", models.Stdout);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
