using System.Globalization;
using System.Text.Json;
using Jano.Engine.Jobs;
using Jano.Models.Wan.TextEncoder;
using Jano.Tests.Cli;
using Jano.Tests.Wan;
using TorchSharp;
using Xunit;

namespace Jano.Tests.Library;

/// <summary>The library entry point and <c>jano generate</c> give the same bytes for the same request and seed.</summary>
[Collection("Sequential")]
public sealed class LibraryCliIdentityTests : IDisposable
{
    private readonly string _root = CliRunner.TempDir();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string[] Strings(JsonElement e) => e.EnumerateArray().Select(x => x.ToString()).ToArray();

    private static JsonElement ReadReport(string dir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.json"))).RootElement;

    // Every file both wrote (except the report, whose timings differ) is byte-identical; the report's deterministic fields agree.
    private static void AssertSameOutputs(string cliDir, string libDir, IReadOnlyList<string> libFiles)
    {
        var cli = ReadReport(cliDir);
        var lib = ReadReport(libDir);
        Assert.Equal(Strings(cli.GetProperty("files")), libFiles);
        Assert.Equal(Strings(cli.GetProperty("files")), Strings(lib.GetProperty("files")));
        foreach (var file in libFiles.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
            Assert.True(File.ReadAllBytes(Path.Combine(cliDir, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(libDir, file))), $"{file} differs");
        foreach (var key in new[] { "model", "weights", "prompt", "accel", "options", "steps", "seed", "guidance", "shift", "sampler", "size",
                     "frames", "threads", "device", "dtype", "version", "repeats", "step_levels", "tokens_per_step", "computed_token_fraction",
                     "level_fractions", "cache_bytes", "notes", "psnr", "ssim", "identical" })
            Assert.True(cli.GetProperty(key).ToString() == lib.GetProperty(key).ToString(), $"report.json '{key}': cli {cli.GetProperty(key)} vs library {lib.GetProperty(key)}");
    }

    [Fact]
    public void A_video_with_jano_and_compare_gives_the_bytes_of_jano_generate()
    {
        int threads = torch.get_num_threads();
        string cliDir = Path.Combine(_root, "cli"), libDir = Path.Combine(_root, "lib");
        var r = CliRunner.Run("generate", "--model", "fmnist-video", "--prompt", "sneaker", "--accel", "jano", "--compare", "--steps", "8",
            "--frames", "4", "--seed", "7", "--accel-option", "static_thresh=0.35", "--threads", threads.ToString(CultureInfo.InvariantCulture),
            "--out", cliDir);
        Assert.True(r.ExitCode == 0, r.Stderr);

        using var model = JanoModel.Load("fmnist-video", new JanoLoadOptions { Threads = threads });
        var request = new JanoRequest("sneaker")
        {
            Accelerator = "jano", AcceleratorOptions = "static_thresh=0.35", Compare = true, Steps = 8, Frames = 4, Seed = 7,
        };
        using var result = model.Generate(request);
        var files = result.SaveAll(libDir);
        Assert.Contains("levels.png", files);
        Assert.Contains("baseline_frames/frame_003.png", files);
        AssertSameOutputs(cliDir, libDir, files);
        Assert.Equal(4, result.Frames.Count);
        Assert.Equal(32 * 32 * 3, result.Frames[0].Rgb.Length);
        Assert.NotNull(result.Speedup);
        Assert.NotNull(result.LevelMap);
        Assert.Equal(File.ReadAllBytes(Path.Combine(cliDir, "output.png")), result.PngBytes());

        // SavePng alone writes output.png's bytes.
        var single = Path.Combine(_root, "sneaker.png");
        result.SavePng(single);
        Assert.Equal(File.ReadAllBytes(Path.Combine(cliDir, "output.png")), File.ReadAllBytes(single));
    }

    [Fact]
    public void An_image_without_acceleration_gives_the_bytes_of_jano_generate_and_another_seed_differs()
    {
        int threads = torch.get_num_threads();
        string cliDir = Path.Combine(_root, "cli"), libDir = Path.Combine(_root, "lib");
        var r = CliRunner.Run("generate", "--model", "fmnist-image", "--prompt", "bag", "--steps", "6", "--seed", "11",
            "--threads", threads.ToString(CultureInfo.InvariantCulture), "--out", cliDir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var model = JanoModel.Load("fmnist-image", new JanoLoadOptions { Threads = threads });
        using (var result = model.Generate(new JanoRequest("bag") { Steps = 6, Seed = 11 }))
        {
            var files = result.SaveAll(libDir);
            Assert.Equal(["output.png", "report.json"], files);
            AssertSameOutputs(cliDir, libDir, files);
        }
        using var other = model.Generate(new JanoRequest("bag") { Steps = 6, Seed = 12 });
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(cliDir, "output.png")), other.PngBytes());
    }

    [Fact]
    public void A_wan_folder_gives_the_frames_of_jano_generate()
    {
        int threads = torch.get_num_threads();
        var dir = MakeTinyWanFolder();
        string cliDir = Path.Combine(_root, "cli"), libDir = Path.Combine(_root, "lib");
        var r = CliRunner.Run("generate", "--model", dir, "--prompt", "a red fox runs", "--steps", "3", "--size", "32x32", "--frames", "5",
            "--dtype", "float32", "--threads", threads.ToString(CultureInfo.InvariantCulture), "--out", cliDir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var model = JanoModel.Load(dir, new JanoLoadOptions { DType = "float32", Threads = threads });
        Assert.Equal("wan2.1-t2v (custom)", model.Name);
        Assert.Null(model.Info.Prompts);
        var phases = new List<string>();
        using var result = model.Generate(new JanoRequest("a red fox runs") { Steps = 3, Width = 32, Height = 32, Frames = 5 },
            new SyncProgress<JanoProgress>(p => phases.Add(p.Phase)));
        Assert.Equal(["encode", "load", "none 1/1", "decode"], phases.Distinct().ToArray());
        var files = result.SaveAll(libDir);
        Assert.Null(result.LevelMap);
        AssertSameOutputs(cliDir, libDir, files);
        Assert.Equal(5, result.Frames.Count);
    }

    private string MakeTinyWanFolder() => WanTinyFolder.Create(_root);
}
