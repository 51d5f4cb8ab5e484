using System.Text.Json;
using Jano.Engine.Jobs;
using Jano.Models.Wan.TextEncoder;
using Jano.Tests.Wan;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Hostile;

/// <summary>
/// The cases that need the built CLI as a child process: inputs that used to crash the process (deep or cyclic pickles,
/// exponential sharing), exit statuses, the output folder under an injected write failure (a fake <c>ffmpeg</c> that
/// fails as on a full disk) and through symbolic links, and SIGINT/SIGTERM. Each asserts the exit status, exactly one
/// <c>jano: error:</c> line as the last line on stderr, no leftover files, and the bounds (10 s, 512 MiB above an idle
/// CLI run).
/// </summary>
[Collection(HostileSuite.Name)]
public sealed class HostileChildTests : IDisposable
{
    private static readonly Lazy<long> IdleResident = new(() => HostileCli.Child(["models"]).PeakResidentBytes);

    private readonly string _root = Directory.CreateTempSubdirectory("jano-hostile-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static void Bounded(HostileCli.Result r, string name, TimeSpan? from = null)
    {
        Assert.True(r.Elapsed - (from ?? TimeSpan.Zero) <= HostileBounds.TimeLimit + TimeSpan.FromSeconds(from is null ? 20 : 0),
            $"{name}: took {r.Elapsed.TotalSeconds:F1} s");
        Assert.True(r.PeakResidentBytes - IdleResident.Value <= HostileBounds.MemoryLimitBytes,
            $"{name}: peak resident memory {r.PeakResidentBytes >> 20} MiB vs {IdleResident.Value >> 20} MiB idle");
    }

    private static string OneErrorLine(HostileCli.Result r, int code, string name)
    {
        Assert.True(r.ExitCode == code, $"{name}: exit {r.ExitCode}, stderr:\n{r.Stderr}");
        Assert.True(r.ErrorLines.Length == 1, $"{name}: expected one error line:\n{r.Stderr}");
        Assert.Equal(r.ErrorLines[0], r.LastLine);
        string line = r.ErrorLines[0]["jano: error: ".Length..];
        HostileAssert.CleanLine(line);
        return line;
    }

    private string WanFolder(byte[]? t5 = null)
    {
        var dir = Path.Combine(_root, "wan");
        Directory.CreateDirectory(Path.Combine(dir, "google", "umt5-xxl"));
        File.WriteAllText(Path.Combine(dir, InspectJob.ConfigFile), JsonSerializer.Serialize(WanFixtures.TinyConfig));
        File.Copy(WanFixtures.PathOf("dit-tiny.safetensors"), Path.Combine(dir, InspectJob.DitFile));
        File.Copy(WanFixtures.PathOf("vae-tiny.pth"), Path.Combine(dir, InspectJob.VaeFile));
        File.Copy(WanFixtures.PathOf("spm-tiny.model"), Path.Combine(dir, "google", "umt5-xxl", "spiece.model"));
        if (t5 is not null)
        {
            File.WriteAllBytes(Path.Combine(dir, InspectJob.T5File), t5);
        }
        else
        {
            manual_seed(11);
            using var enc = new UmT5Encoder(UmT5Config.Tiny with { Vocab = 569 });
            WanTestPthWriter.Write(Path.Combine(dir, InspectJob.T5File), enc.state_dict().Select(kv => (kv.Key, kv.Value)));
        }
        return dir;
    }

    private static byte[] Pickled(Action<PickleWriter> body)
    {
        var p = new PickleWriter().Proto();
        body(p);
        return HostileFiles.Pth(p.ToArray(), [("0", HostileFiles.Floats(6))]);
    }

    /// <summary>T5 checkpoints that crashed or hung the old reader: (case, file, fragment of the line).</summary>
    public static readonly (string Name, Func<byte[]> T5, string Expect)[] CrashCases =
    [
        ("dicts nested 200000 deep", () => Pickled(p => { p.Op('}'); for (int i = 0; i < 200_000; i++) p.Str("k").Op('}'); for (int i = 0; i < 200_000; i++) p.Op('s'); p.Stop(); }),
            "nested more than 1000 deep"),
        ("a dict that contains itself", () => Pickled(p => p.Op('}').Put(0).Str("w").Tensor("0", "FloatStorage", 6, 0, [6], [1]).Op('s').Str("me").Get(0).Op('s').Stop()), "contains itself"),
        ("sub-dicts shared 2^50 times", () => Pickled(p =>
        {
            p.Op('}').Str("t").Tensor("0", "FloatStorage", 6, 0, [6], [1]).Op('s').Put(0);
            for (int i = 1; i <= 50; i++) p.Op('}').Mark().Str("a").Get((uint)i - 1).Str("b").Get((uint)i - 1).Op('u').Put((uint)i);
            p.Stop();
        }), "names the same tensors more than 64 times over"),
        ("a LONG4 length of 2^31", () => Pickled(p => p.Op(0x8b).Raw([0, 0, 0, 0x80]).Stop()), "out of range"),
    ];

    public static TheoryData<string> CrashNames() => new(CrashCases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CrashNames))]
    public void Checkpoints_that_crashed_the_reader_end_in_one_line_and_exit_1(string name)
    {
        var c = CrashCases.Single(x => x.Name == name);
        var dir = WanFolder(c.T5());
        string outDir = Path.Combine(_root, "out");
        foreach (var args in new[] { new[] { "inspect", dir }, ["generate", "--model", dir, "--prompt", "a fox", "--steps", "2", "--size", "32x32", "--frames", "5", "--out", outDir] })
        {
            var r = HostileCli.Child(args);
            string line = OneErrorLine(r, 1, name);
            Assert.Contains(InspectJob.T5File, line, StringComparison.Ordinal);
            Assert.Contains(c.Expect, line, StringComparison.Ordinal);
            Bounded(r, name);
            Assert.False(Directory.Exists(outDir));
        }
    }

    [Fact]
    public void Usage_mistakes_exit_2_and_a_good_run_exits_0()
    {
        string outDir = Path.Combine(_root, "out");
        var r = HostileCli.Child(["generate", "--model", "fmnist-image", "--prompt", "sneaker", "--bogus"]);
        Assert.Contains("unknown option '--bogus'", OneErrorLine(r, 2, "--bogus"), StringComparison.Ordinal);
        Bounded(r, "--bogus");
        r = HostileCli.Child(["generate", "--model", "fmnist-image", "--prompt", "sneaker", "--steps", "99999999999", "--out", outDir]);
        Assert.Contains("invalid value '99999999999' for --steps", OneErrorLine(r, 2, "--steps"), StringComparison.Ordinal);
        r = HostileCli.Child(["generate", "--model", "fmnist-image", "--prompt", "sneaker", "--size", "100000x100000", "--out", outDir]);
        Assert.Contains("--size 100000x100000 is out of range", OneErrorLine(r, 2, "--size"), StringComparison.Ordinal);
        Bounded(r, "--size");
        Assert.False(Directory.Exists(outDir));
        r = HostileCli.Child(["generate", "--model", "fmnist-image", "--prompt", "sneaker", "--steps", "1", "--threads", "1", "--out", outDir]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Empty(r.ErrorLines);
        Assert.True(File.Exists(Path.Combine(outDir, "report.json")));
    }

    // A fake ffmpeg that fails as on a full disk, first on PATH.
    private Dictionary<string, string> FailingFfmpeg()
    {
        var bin = Path.Combine(_root, "bin");
        Directory.CreateDirectory(bin);
        var ffmpeg = Path.Combine(bin, "ffmpeg");
        File.WriteAllText(ffmpeg, "#!/bin/sh\ncat > /dev/null\necho 'av_interleaved_write_frame(): No space left on device' >&2\nexit 1\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(ffmpeg, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };
    }

    private static string[] Video(string outDir) =>
        ["generate", "--model", "fmnist-video", "--prompt", "sneaker", "--steps", "1", "--frames", "2", "--threads", "1", "--out", outDir];

    [Fact]
    public void A_failed_write_leaves_nothing_of_the_folder_it_created()
    {
        string outDir = Path.Combine(_root, "new", "out");
        var r = HostileCli.Child(Video(outDir), FailingFfmpeg());
        string line = OneErrorLine(r, 1, "failing ffmpeg");
        Assert.Contains("No space left on device", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "new")), "the run left part of the folder it created");
        Bounded(r, "failing ffmpeg");
    }

    [Fact]
    public void A_failed_write_into_an_existing_folder_removes_only_what_it_added()
    {
        string outDir = Path.Combine(_root, "existing");
        Directory.CreateDirectory(Path.Combine(outDir, "output_frames"));
        File.WriteAllText(Path.Combine(outDir, "notes.txt"), "mine");
        File.WriteAllText(Path.Combine(outDir, "output_frames", "keep.txt"), "mine too");
        var r = HostileCli.Child(Video(outDir), FailingFfmpeg());
        OneErrorLine(r, 1, "failing ffmpeg, existing folder");
        Assert.Equal(["notes.txt", "output_frames"], Directory.GetFileSystemEntries(outDir).Select(Path.GetFileName).Order());
        Assert.Equal(["keep.txt"], Directory.GetFileSystemEntries(Path.Combine(outDir, "output_frames")).Select(Path.GetFileName));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(outDir, "notes.txt")));
    }

    [Fact]
    public void Out_through_a_symlink_writes_into_its_target_and_a_failure_keeps_link_and_target()
    {
        string target = Path.Combine(_root, "target"), link = Path.Combine(_root, "link");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "notes.txt"), "mine");
        File.CreateSymbolicLink(link, target);

        var r = HostileCli.Child(Video(link), FailingFfmpeg());
        OneErrorLine(r, 1, "failing ffmpeg through a link");
        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(target).Select(Path.GetFileName));

        r = HostileCli.Child(["generate", "--model", "fmnist-image", "--prompt", "sneaker", "--steps", "1", "--threads", "1", "--out", link]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.True(File.Exists(Path.Combine(target, "report.json")));
        Assert.True(File.Exists(Path.Combine(target, "notes.txt")));
    }

    [Fact]
    public void A_symlink_planted_at_an_output_name_is_replaced_not_followed()
    {
        string outDir = Path.Combine(_root, "out"), victim = Path.Combine(_root, "victim.txt");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(victim, "precious");
        File.CreateSymbolicLink(Path.Combine(outDir, "output.png"), victim);
        File.CreateSymbolicLink(Path.Combine(outDir, "report.json"), victim);
        var r = HostileCli.Child(["generate", "--model", "fmnist-image", "--prompt", "sneaker", "--steps", "1", "--threads", "1", "--out", outDir]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.Null(new FileInfo(Path.Combine(outDir, "output.png")).LinkTarget);
        Assert.Null(new FileInfo(Path.Combine(outDir, "report.json")).LinkTarget);
    }

    [Fact]
    public void Out_as_a_dangling_symlink_is_a_usage_error_that_creates_nothing()
    {
        string link = Path.Combine(_root, "dangling"), target = Path.Combine(_root, "nowhere");
        File.CreateSymbolicLink(link, target);
        var r = HostileCli.Child(["generate", "--model", "fmnist-image", "--prompt", "sneaker", "--steps", "1", "--out", link]);
        Assert.Contains("is not writable", OneErrorLine(r, 2, "dangling link"), StringComparison.Ordinal);
        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.False(Directory.Exists(target));
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public void A_signal_during_generation_prints_interrupted_exits_130_and_leaves_no_folder(string signal)
    {
        string outDir = Path.Combine(_root, "sig", "out");
        var r = HostileCli.Child(["generate", "--model", "fmnist-video", "--prompt", "sneaker", "--steps", "30", "--threads", "1", "--out", outDir],
            signal: signal, signalWhen: () => Directory.Exists(outDir));
        Assert.Equal("interrupted", OneErrorLine(r, 130, signal));
        Assert.False(Directory.Exists(Path.Combine(_root, "sig")), "the interrupted run left its folder");
        Bounded(r, signal);
    }

    [Fact]
    public void A_second_signal_ends_the_run_at_once_with_one_line()
    {
        string outDir = Path.Combine(_root, "sig2");
        var r = HostileCli.Child(["generate", "--model", "fmnist-video", "--prompt", "sneaker", "--steps", "30", "--threads", "1", "--out", outDir],
            signal: "INT,INT", signalWhen: () => Directory.Exists(outDir));
        Assert.Equal("interrupted", OneErrorLine(r, 130, "INT,INT"));
        Assert.False(Directory.Exists(outDir));
    }
}
