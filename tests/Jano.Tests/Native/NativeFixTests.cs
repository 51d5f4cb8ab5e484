using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace Jano.Tests.Native;

/// <summary>
/// End-to-end checks of build/native/fix-libtorchsharp.sh: it runs on a private copy of TorchSharp's
/// native folder, and a child process (build/native/dlopen-probe.c) proves that the patched copy loads
/// and works, and, where the system libstdc++ lacks GLIBCXX_3.4.32, that the unpatched one does not.
/// </summary>
[Collection("Native")]
public sealed class NativeFixTests : IDisposable
{
    private const string Version = "GLIBCXX_3.4.32";
    private const string LibName = "libLibTorchSharp.so";
    private const string ShimName = "libjano-ios-shim.so";

    private readonly string _repo = Metadata("RepoRoot");
    private readonly string _torchSharpNative = Metadata("TorchSharpNative");
    private readonly string _tmp;

    public NativeFixTests()
    {
        _tmp = Path.Combine(Path.GetTempPath(), "jano-native-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_tmp);
    }

    public void Dispose()
    {
        try { Directory.Delete(_tmp, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private string Script => Path.Combine(_repo, "build", "native", "fix-libtorchsharp.sh");

    [Fact]
    public void NativeFix_PatchedCopyLoads_AndSecondRunIsNoOp()
    {
        string dir = StageNativeFolder("native", withDependencies: true);
        string lib = Path.Combine(dir, LibName);
        byte[] original = File.ReadAllBytes(lib);
        string probe = Compile("dlopen-probe.c", "dlopen-probe");

        string? systemLib = FindSystemLibStdcxx();
        Assert.NotNull(systemLib);
        bool systemHasVersion = FileContains(systemLib!, Version);

        // Unpatched: where the system lacks the version, the loader must refuse it and say why.
        var unpatched = Run(probe, lib, "THSTorch_get_num_threads");
        if (!systemHasVersion)
        {
            Assert.NotEqual(0, unpatched.Exit);
            Assert.Contains(Version, unpatched.Stderr);
        }
        else
        {
            Assert.True(unpatched.Exit == 0, "unpatched copy should load with this libstdc++: " + unpatched.Stderr);
        }

        // Where the system already has the version, make the script believe it does not, so the patch
        // path is still exercised (the patched library must then load against the real libstdc++).
        var scriptArgs = new List<string> { Script, "--dir", dir };
        if (systemHasVersion)
        {
            string fake = Path.Combine(_tmp, "libstdc++-old.so.6");
            File.WriteAllText(fake, "GLIBCXX_3.4.29\0GLIBCXX_3.4.30\0");
            scriptArgs.AddRange(new[] { "--libstdcxx", fake });
        }

        var first = Run("bash", scriptArgs.ToArray());
        Assert.True(first.Exit == 0, "script failed: " + first.Stderr);
        Assert.StartsWith("patched: ", first.Stdout);
        Assert.True(File.Exists(Path.Combine(dir, ShimName)), "the ios_base shim was not copied next to the library");
        Assert.False(original.AsSpan().SequenceEqual(File.ReadAllBytes(lib)), "the library was not changed");
        Assert.False(File.Exists(Path.Combine(dir, ".libLibTorchSharp.so.patching")), "temporary file left behind");

        var patched = Run(probe, lib, "THSTorch_get_num_threads");
        Assert.True(patched.Exit == 0, "patched copy failed to load: " + patched.Stderr);
        Match m = Regex.Match(patched.Stdout, @"THSTorch_get_num_threads=(-?\d+)");
        Assert.True(m.Success, "probe printed no thread count: " + patched.Stdout);
        Assert.True(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) > 0, "thread count not positive: " + m.Value);
        Assert.Contains("loaded", patched.Stdout);

        byte[] afterFirst = File.ReadAllBytes(lib);
        var second = Run("bash", scriptArgs.ToArray());
        Assert.True(second.Exit == 0, "second run failed: " + second.Stderr);
        Assert.StartsWith("already patched: ", second.Stdout);
        Assert.True(afterFirst.AsSpan().SequenceEqual(File.ReadAllBytes(lib)), "second run changed the library");
    }

    [Fact]
    public void NativeFix_SkipsWhenLibStdcxxHasVersion_AndLeavesLibraryUntouched()
    {
        string dir = StageNativeFolder("native", withDependencies: false);
        string lib = Path.Combine(dir, LibName);
        byte[] before = File.ReadAllBytes(lib);
        string fake = Path.Combine(_tmp, "libstdc++-new.so.6");
        File.WriteAllText(fake, "junk\0GLIBCXX_3.4.31\0" + Version + "\0more junk");

        var r = Run("bash", Script, "--dir", dir, "--libstdcxx", fake);
        Assert.True(r.Exit == 0, "script failed: " + r.Stderr);
        Assert.StartsWith("skipped: ", r.Stdout);
        Assert.True(before.AsSpan().SequenceEqual(File.ReadAllBytes(lib)), "library changed although skipped");
        Assert.Equal(new[] { LibName }, Directory.GetFiles(dir).Select(Path.GetFileName).ToArray());
    }

    [Fact]
    public void NativeElfWeakVerneed_RejectsNonElf_WithOneLine()
    {
        string tool = Compile("elf-weak-verneed.c", "elf-weak-verneed");
        string text = Path.Combine(_tmp, "not-elf.txt");
        File.WriteAllText(text, "this is not an ELF file, just some text that is long enough to read\n");
        byte[] before = File.ReadAllBytes(text);

        var r = Run(tool, text, Version);
        Assert.Equal(1, r.Exit);
        Assert.Equal("", r.Stdout);
        string err = r.Stderr.TrimEnd('\n');
        Assert.False(string.IsNullOrWhiteSpace(err), "no error message");
        Assert.DoesNotContain('\n', err);
        Assert.StartsWith("elf-weak-verneed: ", err);
        Assert.True(before.AsSpan().SequenceEqual(File.ReadAllBytes(text)), "non-ELF input was modified");
    }

    [Fact]
    public void NativeElfWeakVerneed_WeakensOnce_ThenReportsAlreadyWeak()
    {
        string tool = Compile("elf-weak-verneed.c", "elf-weak-verneed");
        string dir = StageNativeFolder("native", withDependencies: false);
        string lib = Path.Combine(dir, LibName);
        byte[] before = File.ReadAllBytes(lib);

        var first = Run(tool, lib, Version);
        Assert.True(first.Exit == 0, first.Stderr);
        Assert.Equal("weakened " + Version, first.Stdout.Trim());
        byte[] after = File.ReadAllBytes(lib);
        Assert.Equal(before.Length, after.Length);
        // Only one flags half-word changes: the VER_FLG_WEAK bit of the matching Vernaux entry.
        int diffs = 0;
        for (int i = 0; i < before.Length; i++)
        {
            if (before[i] != after[i]) diffs++;
        }
        Assert.Equal(1, diffs);

        var second = Run(tool, lib, Version);
        Assert.True(second.Exit == 0, second.Stderr);
        Assert.Equal("already-weak " + Version, second.Stdout.Trim());

        var missing = Run(tool, lib, "GLIBCXX_99.99");
        Assert.Equal(1, missing.Exit);
    }

    // ---- helpers ----

    private static string Metadata(string key)
    {
        string? value = typeof(NativeFixTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == key)?.Value;
        Assert.False(string.IsNullOrEmpty(value), $"assembly metadata {key} is missing");
        return value!;
    }

    /// <summary>Copies libLibTorchSharp.so from the NuGet package (never the build output, which is already
    /// patched) into a fresh folder; with dependencies, also links the libtorch files it loads.</summary>
    private string StageNativeFolder(string name, bool withDependencies)
    {
        string dir = Path.Combine(_tmp, name);
        Directory.CreateDirectory(dir);
        string source = Path.Combine(_torchSharpNative, LibName);
        Assert.True(File.Exists(source), "TorchSharp's package library not found: " + source);
        File.Copy(source, Path.Combine(dir, LibName));
        Assert.False(FileContains(Path.Combine(dir, LibName), ShimName), "the package copy is already patched");
        if (!withDependencies) return dir;

        string libtorch = FindLibTorchFolder();
        // Only libLibTorchSharp.so is edited (and it is a real copy); the script never writes the others,
        // so symbolic links stand in for copies of libtorch_cpu.so (~440 MB) and its neighbours.
        foreach (string file in Directory.GetFiles(libtorch))
        {
            string fn = Path.GetFileName(file);
            bool needed = (fn.StartsWith("libtorch", StringComparison.Ordinal) && fn.EndsWith(".so", StringComparison.Ordinal))
                || fn == "libc10.so" || fn.StartsWith("libgomp", StringComparison.Ordinal);
            if (needed && fn != LibName) File.CreateSymbolicLink(Path.Combine(dir, fn), file);
        }
        return dir;
    }

    /// <summary>The libtorch-cpu-linux-x64 files: the test's own output folder, else the NuGet root.</summary>
    private string FindLibTorchFolder()
    {
        var candidates = new List<string> { Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native") };
        // TorchSharpNative is <root>/torchsharp/<ver>/runtimes/linux-x64/native.
        string? root = Path.GetFullPath(Path.Combine(_torchSharpNative, "..", "..", "..", "..", ".."));
        foreach (string? r in new[] { root, Environment.GetEnvironmentVariable("NUGET_PACKAGES") })
        {
            string pkg = Path.Combine(r ?? "", "libtorch-cpu-linux-x64");
            if (string.IsNullOrEmpty(r) || !Directory.Exists(pkg)) continue;
            candidates.AddRange(Directory.GetDirectories(pkg).OrderByDescending(d => d, StringComparer.Ordinal)
                .Select(d => Path.Combine(d, "runtimes", "linux-x64", "native")));
        }
        string? found = candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "libtorch_cpu.so")) && File.Exists(Path.Combine(d, "libc10.so")));
        Assert.True(found != null, "libtorch_cpu.so not found in: " + string.Join(", ", candidates));
        return found!;
    }

    private string Compile(string source, string output)
    {
        string src = Path.Combine(_repo, "build", "native", source);
        string exe = Path.Combine(_tmp, output);
        var r = Run("gcc", "-O2", "-o", exe, src, "-ldl");
        Assert.True(r.Exit == 0, $"gcc {source} failed: {r.Stderr}");
        return exe;
    }

    /// <summary>The x86-64 libstdc++.so.6 that the dynamic loader picks by default.</summary>
    private static string? FindSystemLibStdcxx()
    {
        foreach (string ldconfig in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig" })
        {
            if (!File.Exists(ldconfig)) continue;
            var r = Run(ldconfig, "-p");
            string? line = r.Stdout.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith("libstdc++.so.6 ", StringComparison.Ordinal) && l.Contains("x86-64"))
                ?? r.Stdout.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith("libstdc++.so.6 ", StringComparison.Ordinal));
            int arrow = line?.LastIndexOf("=> ", StringComparison.Ordinal) ?? -1;
            if (arrow >= 0) return line![(arrow + 3)..].Trim();
        }
        return new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" }
            .FirstOrDefault(File.Exists);
    }

    private static bool FileContains(string path, string text)
    {
        byte[] data = File.ReadAllBytes(path);
        return data.AsSpan().IndexOf(Encoding.ASCII.GetBytes(text)) >= 0;
    }

    private sealed record Result(int Exit, string Stdout, string Stderr);

    private static Result Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        // The child must see the same libstdc++ the system loader picks, nothing injected.
        psi.Environment.Remove("LD_LIBRARY_PATH");
        psi.Environment.Remove("LD_PRELOAD");
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            Assert.Fail($"{file} {string.Join(' ', args)} timed out");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
