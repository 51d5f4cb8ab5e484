using Xunit;
using System.Diagnostics;
using Jano.Engine.Output;

namespace Jano.Tests.Output;

/// <summary>A fresh temporary folder per test, removed on dispose.</summary>
internal sealed class OutputTempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "jano-output-" + Guid.NewGuid().ToString("N"));

    public OutputTempDir() => Directory.CreateDirectory(Path);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string[] Entries() => Directory.GetFileSystemEntries(Path).Select(System.IO.Path.GetFileName).Order().ToArray()!;

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}

internal static class OutputSupport
{
    /// <summary>A frame with distinct, deterministic pixel values.</summary>
    public static Frame8 Pattern(int w, int h, int seed)
    {
        var rng = new Random(seed);
        var rgb = new byte[w * h * 3];
        rng.NextBytes(rgb);
        return new Frame8(w, h, rgb);
    }

    /// <summary>Decodes a video file to raw RGB24 with ffmpeg and returns the bytes.</summary>
    public static byte[] DecodeRaw(string path)
    {
        var psi = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-hide_banner", "-loglevel", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        using var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "ffmpeg decode failed: " + err.Result);
        return ms.ToArray();
    }

    /// <summary>Writes an executable shell script standing in for ffmpeg.</summary>
    public static string FakeExecutable(string dir, string name, string body)
    {
        var path = System.IO.Path.Combine(dir, name);
        System.IO.File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("fake ffmpeg scripts need a POSIX shell");
        else System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
