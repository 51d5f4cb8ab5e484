using Jano.Acceleration.JanoMethod;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Wan;

/// <summary><c>jano generate --accel jano</c> on the tiny official Wan folder with each cache option: hidden and host caches give
/// the frames of kv mode, and report.json's cache_bytes equals the formula (2 CFG rows) at the reported fractions.</summary>
[Collection("Sequential")]
public sealed class WanJanoCacheOptionsGenerateTests : IDisposable
{
    private readonly string _root = Jano.Tests.Cli.CliRunner.TempDir();

    [Fact]
    public void WanGenerateWithCacheOptionsKeepsFramesAndReportsFormulaBytes()
    {
        var dir = Path.Combine(_root, "Wan2.1-T2V-tiny");
        Directory.CreateDirectory(Path.Combine(dir, "google", "umt5-xxl"));
        File.WriteAllText(Path.Combine(dir, Jano.Engine.Jobs.InspectJob.ConfigFile), System.Text.Json.JsonSerializer.Serialize(WanFixtures.TinyConfig));
        File.Copy(WanFixtures.PathOf("dit-tiny.safetensors"), Path.Combine(dir, Jano.Engine.Jobs.InspectJob.DitFile));
        File.Copy(WanFixtures.PathOf("vae-tiny.pth"), Path.Combine(dir, Jano.Engine.Jobs.InspectJob.VaeFile));
        File.Copy(WanFixtures.PathOf("spm-tiny.model"), Path.Combine(dir, "google", "umt5-xxl", "spiece.model"));
        manual_seed(11);
        using (var t5 = new Jano.Models.Wan.TextEncoder.UmT5Encoder(Jano.Models.Wan.TextEncoder.UmT5Config.Tiny with { Vocab = 569 }))
            WanTestPthWriter.Write(Path.Combine(dir, Jano.Engine.Jobs.InspectJob.T5File), t5.state_dict().Select(kv => (kv.Key, kv.Value)));
        const string preset = "warmup_steps=1,cooldown_steps=1,analyze_block_size=1x2x2,static_thresh=0.3,medium_thresh=0.6,static_interval=3,medium_interval=2";
        var reports = new Dictionary<string, System.Text.Json.JsonElement>();
        foreach (var extra in new[] { "cache_mode=kv", "cache_mode=hidden", "cache_mode=hidden,cache_device=cpu", "cache_dtype=bfloat16" })
        {
            string outDir = Path.Combine(_root, extra.Replace(',', '_').Replace('=', '-'));
            var r = Jano.Tests.Cli.CliRunner.Run("generate", "--model", dir, "--prompt", "a red fox runs", "--steps", "6", "--size", "32x32",
                "--frames", "5", "--threads", "1", "--dtype", "float32", "--accel", "jano", "--accel-option", preset + "," + extra, "--out", outDir);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var rep = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "report.json"))).RootElement;
            reports[extra] = rep;
            var f = rep.GetProperty("level_fractions");
            var options = new JanoOptions().With(Jano.Core.Options.OptionList.Parse(extra));
            var d = new Jano.Core.Acceleration.TransformerDescriptor("wan2.1", 2, 48, 2, [16, 2, 4, 4], (1, 2, 2), 8, 96);
            var est = JanoCacheMemory.Estimate(d, f.GetProperty("static").GetDouble(), f.GetProperty("moderate").GetDouble(), 2, options, ScalarType.Float32);
            Assert.Equal(est.TotalBytes, rep.GetProperty("cache_bytes").GetInt64());
        }
        Assert.Contains("L1", reports["cache_mode=kv"].GetProperty("step_levels").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("hidden", reports["cache_mode=hidden"].GetProperty("options").GetProperty("cache_mode").GetString());
        Assert.True(reports["cache_mode=hidden"].GetProperty("cache_bytes").GetInt64() < reports["cache_mode=kv"].GetProperty("cache_bytes").GetInt64());
        string Frame(string extra) => Path.Combine(_root, extra.Replace(',', '_').Replace('=', '-'), "output_frames", "frame_004.png");
        Assert.Equal(File.ReadAllBytes(Frame("cache_mode=kv")), File.ReadAllBytes(Frame("cache_mode=hidden")));
        Assert.Equal(File.ReadAllBytes(Frame("cache_mode=hidden")), File.ReadAllBytes(Frame("cache_mode=hidden,cache_device=cpu")));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
