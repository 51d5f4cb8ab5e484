using System.Text.Json;
using Jano.Core.Weights;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Cli;

public class CliAnalyzeTests
{
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void AnalyzeFeaturesWritesScoresLevelsPictureAndSummary(ScalarType dtype)
    {
        var dir = CliRunner.TempDir();
        try
        {
            var path = Path.Combine(dir, "features.safetensors");
            using (var f = TestModels.Randn(5, 7, 2, 4, 16, 16))
            using (var cast = f.to(dtype))
                SafetensorsWriter.Save(path, [new("feats", cast)]);
            var outDir = Path.Combine(dir, "out");
            var r = CliRunner.Run("analyze", "--features", path, "--accel-option", "analyze_block_size=2x4x4,t_weight=0.5", "--out", outDir);
            Assert.True(r.ExitCode == 0, r.Stderr);
            using var scores = SafetensorsFile.Open(Path.Combine(outDir, "scores.safetensors"));
            Assert.Equal("F32", scores["score"].DType);
            Assert.Equal([2L, 4, 4], scores["score"].Shape);
            Assert.Equal("I32", scores["levels"].DType);
            using var levels = scores.Read("levels");
            Assert.True(levels.min().item<int>() >= 1 && levels.max().item<int>() <= 3);
            Assert.True(File.Exists(Path.Combine(outDir, "levels.png")));
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "analysis.json")));
            var root = doc.RootElement;
            Assert.Equal([2, 4, 4], root.GetProperty("grid").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(7, root.GetProperty("n").GetInt32());
            Assert.Equal(3, root.GetProperty("lag").GetInt32());
            Assert.Equal("0.5", root.GetProperty("options").GetProperty("t_weight").GetString());
            double sum = root.GetProperty("level_fractions").EnumerateObject().Sum(p => p.Value.GetDouble());
            Assert.Equal(1.0, sum, 9);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AnalyzeRejectsWrongRankAndNeedsATensorNameForSeveral()
    {
        var dir = CliRunner.TempDir();
        try
        {
            var path = Path.Combine(dir, "f.safetensors");
            using (var a = torch.zeros(3, 4))
            using (var b = torch.zeros([2, 1, 1, 4, 4]))
                SafetensorsWriter.Save(path, [new("a", a), new("b", b)]);
            var r1 = CliRunner.Run("analyze", "--features", path, "--out", Path.Combine(dir, "o1"));
            Assert.Equal(2, r1.ExitCode);
            Assert.Contains("pick one with --tensor", r1.LastErrorLine);
            var r2 = CliRunner.Run("analyze", "--features", path, "--tensor", "a", "--out", Path.Combine(dir, "o2"));
            Assert.Equal(2, r2.ExitCode);
            Assert.Contains("expected [n, C, T, H, W]", r2.LastErrorLine);
            var r3 = CliRunner.Run("analyze", "--features", path, "--out", Path.Combine(dir, "o3"), "--accel-option", "warmup=1");
            Assert.Equal(2, r3.ExitCode);
            Assert.Contains("unknown option 'warmup'", r3.LastErrorLine);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
