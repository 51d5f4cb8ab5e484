using System.Text.Json;
using Xunit;

namespace Jano.Tests.Cli;

public class CliGenerateTests
{
    [Fact]
    public void GenerateWithJanoCompareWritesOutputsAndTheFullReport()
    {
        var dir = CliRunner.TempDir();
        try
        {
            var r = CliRunner.Run("generate", "--model", "fmnist-image", "--prompt", "Sneaker", "--accel", "jano", "--compare",
                "--steps", "10", "--seed", "3", "--threads", "1",
                "--accel-option", "warmup_steps=2,cooldown_steps=1,static_interval=3,medium_interval=2,static_thresh=0.3", "--out", dir);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("static_thresh=0.3", r.Stdout); // resolved options are printed
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.json")));
            var root = doc.RootElement;
            foreach (var key in new[] { "model", "accel", "options", "steps", "seed", "threads", "device", "dtype", "version", "latency_s",
                         "baseline_latency_s", "speedup", "psnr", "ssim", "identical", "computed_token_fraction", "level_fractions" })
                Assert.True(root.TryGetProperty(key, out _), $"report.json lacks {key}");
            Assert.Equal("fmnist-image", root.GetProperty("model").GetString());
            Assert.Equal("jano", root.GetProperty("accel").GetString());
            Assert.Equal("0.3", root.GetProperty("options").GetProperty("static_thresh").GetString());
            Assert.Equal(10, root.GetProperty("steps").GetInt32());
            Assert.Equal(1, root.GetProperty("threads").GetInt32());
            Assert.Equal("cpu", root.GetProperty("device").GetString());
            double speedup = root.GetProperty("speedup").GetDouble();
            Assert.Equal(root.GetProperty("baseline_latency_s").GetDouble() / root.GetProperty("latency_s").GetDouble(), speedup, 9);
            double fraction = root.GetProperty("computed_token_fraction").GetDouble();
            Assert.InRange(fraction, 0.0, 1.0);
            var levels = root.GetProperty("step_levels").EnumerateArray().Select(e => e.GetString()!).ToArray();
            Assert.Equal(["full", "full", "L3", "L1", "L2", "L3", "L2", "L1", "L3", "full"], levels);
            Assert.True(File.Exists(Path.Combine(dir, "output.png")));
            Assert.True(File.Exists(Path.Combine(dir, "baseline.png")));
            Assert.True(File.Exists(Path.Combine(dir, "levels.png")));
            Assert.Empty(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("unknown model 'nope'", "--model", "nope")]
    [InlineData("unknown prompt 'cat'; valid prompts: t-shirt/top, trouser", "--prompt", "cat")]
    [InlineData("unknown option 'bogus' for jano", "--accel", "jano", "--accel-option", "bogus=1")]
    [InlineData("invalid value 'x' for static_thresh", "--accel", "jano", "--accel-option", "static_thresh=x")]
    [InlineData("must be less than steps (5)", "--accel", "jano", "--steps", "5")]
    [InlineData("unknown accelerator 'fast'", "--accel", "fast")]
    [InlineData("--device cuda needs a CUDA build of libtorch", "--device", "cuda")]
    [InlineData("unknown dtype 'int8'", "--dtype", "int8")]
    [InlineData("invalid --size 'big'", "--size", "big")]
    [InlineData("not a multiple of the model's patch", "--size", "30x30")]
    public void BadInputIsOneLineOnStderrAndExitCodeTwo(string message, params string[] extra)
    {
        var dir = CliRunner.TempDir();
        try
        {
            var args = new List<string> { "generate", "--out", Path.Combine(dir, "out") };
            if (!extra.Contains("--prompt")) args.AddRange(["--prompt", "bag"]);
            args.AddRange(extra);
            var r = CliRunner.Run(args.ToArray());
            Assert.Equal(2, r.ExitCode);
            Assert.StartsWith("jano: error: ", r.LastErrorLine);
            Assert.Contains(message, r.LastErrorLine);
            Assert.False(Directory.Exists(Path.Combine(dir, "out")) && Directory.EnumerateFileSystemEntries(Path.Combine(dir, "out")).Any());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void UnwritableOutputIsAUsageError()
    {
        var dir = CliRunner.TempDir();
        try
        {
            var file = Path.Combine(dir, "a-file");
            File.WriteAllText(file, "x");
            var r = CliRunner.Run("generate", "--prompt", "bag", "--out", Path.Combine(file, "sub"));
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("is not writable", r.LastErrorLine);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void MissingPromptIsAUsageErrorAndVersionAndModelsWork()
    {
        var r = CliRunner.Run("generate");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--prompt is required", r.LastErrorLine);
        var v = CliRunner.Run("--version");
        Assert.Equal(0, v.ExitCode);
        Assert.Matches(@"\d+\.\d+\.\d+", v.Stdout);
        var m = CliRunner.Run("models");
        Assert.Equal(0, m.ExitCode);
        Assert.Contains("fmnist-image", m.Stdout);
        Assert.Contains("fmnist-video", m.Stdout);
        Assert.Contains("jano", m.Stdout);
    }
}
