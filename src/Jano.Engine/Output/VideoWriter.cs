using System.Diagnostics;
using System.Globalization;
using Jano.Core.IO;

namespace Jano.Engine.Output;

/// <summary>
/// Writes frame sequences as animated GIF or H.264 MP4 by piping raw RGB frames into an external <c>ffmpeg</c>.
/// </summary>
/// <remarks>
/// Files are written atomically: ffmpeg writes a temporary file in the target folder (the container format is passed
/// explicitly with <c>-f</c>, since the temporary name ends in <c>.tmp</c>), which is renamed into place only after
/// ffmpeg exits successfully. A failing ffmpeg raises an <see cref="IOException"/> carrying its last stderr line.
/// </remarks>
public static class VideoWriter
{
    private static readonly Lazy<string?> FfmpegPath = new(() => FindOnPath("ffmpeg"));

    /// <summary>True when an <c>ffmpeg</c> executable is found on <c>PATH</c> (looked up once per process).</summary>
    public static bool FfmpegAvailable => FfmpegPath.Value is not null;

    /// <summary>
    /// Writes an endlessly looping animated GIF with a palette computed from the frames themselves
    /// (<c>palettegen</c>/<c>paletteuse</c>).
    /// </summary>
    /// <param name="path">Target file; its folder must exist. An existing file is replaced.</param>
    /// <param name="frames">At least one frame, all of the same size.</param>
    /// <param name="fps">Frames per second, at least 1.</param>
    /// <param name="upscale">Integer nearest-neighbour enlargement applied before encoding, at least 1.</param>
    /// <exception cref="FileNotFoundException">ffmpeg is not on PATH.</exception>
    /// <exception cref="DirectoryNotFoundException">The target folder does not exist.</exception>
    /// <exception cref="IOException">ffmpeg failed; the message carries its last stderr line.</exception>
    public static void WriteGif(string path, IReadOnlyList<Frame8> frames, int fps, int upscale = 1) =>
        WriteGif(RequireFfmpeg(), path, frames, fps, upscale);

    /// <summary><see cref="WriteGif(string, IReadOnlyList{Frame8}, int, int)"/> with an explicit ffmpeg executable.</summary>
    internal static void WriteGif(string ffmpeg, string path, IReadOnlyList<Frame8> frames, int fps, int upscale)
    {
        var (w, h) = Validate(path, frames, fps, upscale);
        string filter = $"{ScaleFilter(upscale)}split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse";
        Encode(ffmpeg, path, frames, w, h, fps, ["-filter_complex", filter, "-loop", "0", "-f", "gif"]);
    }

    /// <summary>
    /// Writes an H.264 MP4 (<c>libx264</c>, <c>yuv420p</c>, <c>-crf 18</c>, fast start). Odd dimensions are padded
    /// with black to the next even number, as yuv420p requires.
    /// </summary>
    /// <param name="path">Target file; its folder must exist. An existing file is replaced.</param>
    /// <param name="frames">At least one frame, all of the same size.</param>
    /// <param name="fps">Frames per second, at least 1.</param>
    /// <param name="upscale">Integer nearest-neighbour enlargement applied before encoding, at least 1.</param>
    /// <exception cref="FileNotFoundException">ffmpeg is not on PATH.</exception>
    /// <exception cref="DirectoryNotFoundException">The target folder does not exist.</exception>
    /// <exception cref="IOException">ffmpeg failed; the message carries its last stderr line.</exception>
    public static void WriteMp4(string path, IReadOnlyList<Frame8> frames, int fps, int upscale = 1) =>
        WriteMp4(RequireFfmpeg(), path, frames, fps, upscale);

    /// <summary><see cref="WriteMp4(string, IReadOnlyList{Frame8}, int, int)"/> with an explicit ffmpeg executable.</summary>
    internal static void WriteMp4(string ffmpeg, string path, IReadOnlyList<Frame8> frames, int fps, int upscale)
    {
        var (w, h) = Validate(path, frames, fps, upscale);
        string filter = $"{ScaleFilter(upscale)}pad=ceil(iw/2)*2:ceil(ih/2)*2:0:0:black,format=yuv420p";
        Encode(ffmpeg, path, frames, w, h, fps,
        [
            "-vf", filter, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "18",
            "-movflags", "+faststart", "-f", "mp4",
        ]);
    }

    private static string ScaleFilter(int upscale) =>
        upscale == 1 ? "" : $"scale=iw*{upscale}:ih*{upscale}:flags=neighbor,";

    private static (int W, int H) Validate(string path, IReadOnlyList<Frame8> frames, int fps, int upscale)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count == 0) throw new ArgumentException("at least one frame is needed", nameof(frames));
        if (fps < 1) throw new ArgumentOutOfRangeException(nameof(fps), fps, "fps must be at least 1");
        if (upscale < 1) throw new ArgumentOutOfRangeException(nameof(upscale), upscale, "upscale must be at least 1");
        var first = frames[0] ?? throw new ArgumentException("frame 0 is null", nameof(frames));
        for (int i = 1; i < frames.Count; i++)
        {
            var f = frames[i] ?? throw new ArgumentException($"frame {i} is null", nameof(frames));
            if (f.Width != first.Width || f.Height != first.Height)
                throw new ArgumentException(
                    $"frame {i} is {f.Width}x{f.Height} but frame 0 is {first.Width}x{first.Height}; all frames must have one size",
                    nameof(frames));
        }
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir))
            throw new DirectoryNotFoundException($"output folder does not exist: {dir}");
        return (first.Width, first.Height);
    }

    private static string RequireFfmpeg() =>
        FfmpegPath.Value ?? throw new FileNotFoundException("ffmpeg was not found on PATH", "ffmpeg");

    private static void Encode(string ffmpeg, string path, IReadOnlyList<Frame8> frames, int w, int h, int fps, string[] outputArgs)
    {
        AtomicFile.Write(path, (string tmp) => RunFfmpeg(ffmpeg, frames, w, h, fps, outputArgs, tmp));
    }

    private static void RunFfmpeg(string ffmpeg, IReadOnlyList<Frame8> frames, int w, int h, int fps, string[] outputArgs, string target)
    {
        var psi = new ProcessStartInfo(ffmpeg)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        string[] inputArgs =
        [
            "-hide_banner", "-nostats", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24",
            "-s", $"{w.ToString(CultureInfo.InvariantCulture)}x{h.ToString(CultureInfo.InvariantCulture)}",
            "-framerate", fps.ToString(CultureInfo.InvariantCulture), "-i", "pipe:0",
        ];
        foreach (var a in inputArgs) psi.ArgumentList.Add(a);
        foreach (var a in outputArgs) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(target);

        using var process = Process.Start(psi) ?? throw new IOException($"could not start {ffmpeg}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        IOException? pipeError = null;
        try
        {
            var stdin = process.StandardInput.BaseStream;
            foreach (var f in frames) stdin.Write(f.Rgb);
            stdin.Flush();
        }
        catch (IOException e)
        {
            // ffmpeg closed its input early (it failed); report its own error below, keeping this one as the cause.
            pipeError = e;
        }
        finally
        {
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException e)
            {
                pipeError ??= e;
            }
        }
        process.WaitForExit();
        var errText = stderr.GetAwaiter().GetResult();
        stdout.GetAwaiter().GetResult();

        if (process.ExitCode != 0 || pipeError is not null)
        {
            var last = LastLine(errText) ?? (pipeError is not null ? pipeError.Message : "no error output");
            throw new IOException($"ffmpeg failed (exit code {process.ExitCode}) writing {target}: {last}", pipeError);
        }
    }

    private static string? LastLine(string text) =>
        text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).LastOrDefault();

    private static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(path)) return null;
        var names = OperatingSystem.IsWindows() ? new[] { name + ".exe", name } : new[] { name };
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var n in names)
            {
                var candidate = Path.Combine(dir.Trim('"'), n);
                if (!File.Exists(candidate)) continue;
                if (!OperatingSystem.IsWindows() &&
                    (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0)
                    continue;
                return candidate;
            }
        }
        return null;
    }
}
