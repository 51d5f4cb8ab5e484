using System.Text.Json;
using Jano.Core.IO;
using Jano.Engine.Jobs;
using Jano.Engine.Output;
using Jano.Engine.Pipelines;
using static TorchSharp.torch;

namespace Jano;

/// <summary>
/// A finished generation: the frames as RGB bytes, with <see cref="JanoRequest.Compare"/> the full-compute frames and the
/// metrics, Jano's level map, and the report (<c>report.json</c> of <c>jano generate</c>). Owns the final latents; dispose it.
/// Every file is written atomically (temporary name, then rename), with the same writers as <c>jano generate</c>.
/// </summary>
public sealed class JanoResult : IDisposable
{
    private readonly GenerationResult _result;
    private readonly GenerationResult? _baseline;

    internal JanoResult(GenerationResult result, GenerationResult? baseline, IReadOnlyList<Frame8> frames, IReadOnlyList<Frame8>? baselineFrames,
        IReadOnlyList<Frame8>? levelMap, GenerationReport report, int fps)
    {
        _result = result;
        _baseline = baseline;
        Frames = frames;
        BaselineFrames = baselineFrames;
        LevelMap = levelMap;
        Report = report;
        Fps = fps;
    }

    /// <summary>The frames of the requested (accelerated) run, 8-bit RGB, one per video frame (one for an image).</summary>
    public IReadOnlyList<Frame8> Frames { get; }

    /// <summary>The full-compute frames (<see cref="JanoRequest.Compare"/> only).</summary>
    public IReadOnlyList<Frame8>? BaselineFrames { get; }

    /// <summary>Jano's token levels over the frames (blue static, amber moderate, red active), one picture per frame; null
    /// when the accelerator assigns no levels or the model's tokens are not pixel patches (Wan2.1).</summary>
    public IReadOnlyList<Frame8>? LevelMap { get; }

    /// <summary>Everything <c>report.json</c> holds: resolved options, per-step levels, tokens and times, latency, and with a
    /// comparison speedup, PSNR, SSIM. <see cref="GenerationReport.Files"/> lists what <see cref="SaveAll"/> wrote last.</summary>
    public GenerationReport Report { get; }

    /// <summary>Frames per second of written videos.</summary>
    public int Fps { get; }

    /// <summary>Median seconds of the denoising loop.</summary>
    public double LatencySeconds => Report.LatencySeconds;

    /// <summary>Full-compute latency over this run's (comparison only).</summary>
    public double? Speedup => Report.Speedup;

    /// <summary>PSNR in dB against full compute (comparison only; null also when the frames are identical).</summary>
    public double? Psnr => Report.Psnr;

    /// <summary>SSIM against full compute (comparison only).</summary>
    public double? Ssim => Report.Ssim;

    /// <summary>Tokens computed / (steps × branches × tokens).</summary>
    public double ComputedTokenFraction => Report.ComputedTokenFraction;

    /// <summary>The final latent [C, T, H, W] (fp32, CPU) of the requested run; valid until the result is disposed.</summary>
    public Tensor Latent => _result.Latent;

    /// <summary>The final latent of the full-compute run (comparison only).</summary>
    public Tensor? BaselineLatent => _baseline?.Latent;

    /// <summary>The picture <c>output.png</c> holds: the frame of an image, or a montage of a video's frames (8 per row).</summary>
    public Frame8 Picture() => Montage(Frames);

    /// <summary><see cref="Picture"/> encoded as PNG.</summary>
    public byte[] PngBytes() => PngWriter.Encode(Picture());

    /// <summary>Writes <see cref="Picture"/> as PNG (the bytes of <c>jano generate</c>'s <c>output.png</c>).</summary>
    public void SavePng(string path) => PngWriter.Write(path, Picture());

    /// <summary>Writes the frames as a looping GIF (4x nearest-neighbour). Needs <c>ffmpeg</c> on PATH.</summary>
    /// <exception cref="FileNotFoundException">ffmpeg was not found.</exception>
    public void SaveGif(string path) => VideoWriter.WriteGif(path, Frames, Fps, upscale: 4);

    /// <summary>Writes the frames as H.264 MP4 (8x nearest-neighbour). Needs <c>ffmpeg</c> on PATH.</summary>
    /// <exception cref="FileNotFoundException">ffmpeg was not found.</exception>
    public void SaveMp4(string path) => VideoWriter.WriteMp4(path, Frames, Fps, upscale: 8);

    /// <summary>Writes the level map (a montage over the frames) as PNG.</summary>
    /// <exception cref="InvalidOperationException">This result has no level map (see <see cref="LevelMap"/>).</exception>
    public void SaveLevelMap(string path)
    {
        var map = LevelMap ?? throw new InvalidOperationException($"no level map: accelerator '{Report.Accel}' on {Report.Model} assigns no token levels");
        PngWriter.Write(path, LevelMapRenderer.Montage(map, columns: Math.Min(8, map.Count)));
    }

    /// <summary>Writes <see cref="Report"/> as JSON (the settings of <c>report.json</c>).</summary>
    public void SaveReport(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(Report, ReportJson.Options));

    /// <summary>
    /// Writes what <c>jano generate --out DIRECTORY</c> writes: <c>output.png</c>, for videos <c>output_frames/*.png</c> and,
    /// with ffmpeg on PATH, <c>output.gif</c> and <c>output.mp4</c>; the same for <c>baseline</c> with a comparison;
    /// <c>levels.png</c> when there is a level map; <c>report.json</c> last. Returns the files (relative), also recorded in
    /// <see cref="GenerationReport.Files"/>.
    /// </summary>
    public IReadOnlyList<string> SaveAll(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        WriteVisual(directory, "output", Frames, files);
        if (BaselineFrames is not null) WriteVisual(directory, "baseline", BaselineFrames, files);
        if (LevelMap is not null)
        {
            SaveLevelMap(Path.Combine(directory, "levels.png"));
            files.Add("levels.png");
        }
        files.Add("report.json");
        Report.Files.Clear();
        Report.Files.AddRange(files);
        SaveReport(Path.Combine(directory, "report.json"));
        return files;
    }

    private void WriteVisual(string directory, string stem, IReadOnlyList<Frame8> frames, List<string> files)
    {
        if (frames.Count > 1)
        {
            var dir = Path.Combine(directory, stem + "_frames");
            Directory.CreateDirectory(dir);
            for (int i = 0; i < frames.Count; i++)
            {
                var name = FormattableString.Invariant($"frame_{i:D3}.png");
                PngWriter.Write(Path.Combine(dir, name), frames[i]);
                files.Add($"{stem}_frames/{name}");
            }
        }
        PngWriter.Write(Path.Combine(directory, stem + ".png"), Montage(frames));
        files.Add(stem + ".png");
        if (frames.Count > 1 && VideoWriter.FfmpegAvailable)
        {
            VideoWriter.WriteGif(Path.Combine(directory, stem + ".gif"), frames, Fps, upscale: 4);
            VideoWriter.WriteMp4(Path.Combine(directory, stem + ".mp4"), frames, Fps, upscale: 8);
            files.Add(stem + ".gif");
            files.Add(stem + ".mp4");
        }
    }

    private static Frame8 Montage(IReadOnlyList<Frame8> frames) =>
        frames.Count == 1 ? frames[0] : LevelMapRenderer.Montage(frames, columns: Math.Min(8, frames.Count));

    /// <summary>Frees the latents.</summary>
    public void Dispose()
    {
        _result.Dispose();
        _baseline?.Dispose();
    }
}
