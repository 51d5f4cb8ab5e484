using System.Text.Json;
using System.Text.Json.Serialization;
using Jano.Acceleration.JanoMethod;
using Jano.Core;
using Jano.Core.IO;
using Jano.Core.Options;
using Jano.Core.Weights;
using Jano.Engine.Output;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Engine.Jobs;

/// <summary>
/// <c>jano analyze --features</c>: Jano's complexity analysis of stored features [n, C, T, H, W] (fp32, bf16 or fp16,
/// analysed in fp32). Writes <c>scores.safetensors</c> (score float32 and levels int32, both [nt, nh, nw]),
/// <c>levels.png</c> and <c>analysis.json</c>.
/// </summary>
public static class AnalyzeFeaturesJob
{
    public sealed class Summary
    {
        [JsonPropertyName("features")] public required string Features { get; init; }
        [JsonPropertyName("tensor")] public required string Tensor { get; init; }
        [JsonPropertyName("shape")] public required long[] Shape { get; init; }
        [JsonPropertyName("grid")] public required int[] Grid { get; init; }
        [JsonPropertyName("n")] public required int N { get; init; }
        [JsonPropertyName("lag")] public required int Lag { get; init; }
        [JsonPropertyName("degenerate")] public required bool Degenerate { get; init; }
        [JsonPropertyName("options")] public required Dictionary<string, string> Options { get; init; }
        [JsonPropertyName("level_fractions")] public required Dictionary<string, double> LevelFractions { get; init; }
        [JsonPropertyName("analysis_s")] public required double AnalysisSeconds { get; init; }
        [JsonPropertyName("version")] public required string Version { get; init; }
    }

    private static readonly string[] AnalysisKeys =
        ["static_thresh", "medium_thresh", "analyze_block_size", "t_weight", "d_strength", "d_distance", "enhance"];

    public static Summary Run(string featuresPath, string? tensorName, string? optionText, string outDir)
    {
        var pairs = OptionList.Parse(optionText);
        foreach (var (k, _) in pairs)
            if (!AnalysisKeys.Contains(k) && !JanoOptions.Keys.Contains(k))
                throw new UsageException($"unknown option '{k}' for analyze (valid: {string.Join(", ", AnalysisKeys)})");
        var options = new JanoOptions().With(pairs);
        if (!File.Exists(featuresPath)) throw new UsageException($"features file '{featuresPath}' does not exist");
        using var file = SafetensorsFile.Open(featuresPath);
        string name = tensorName ?? (file.Entries.Count == 1
            ? file.Entries[0].Name
            : throw new UsageException($"{featuresPath} holds {file.Entries.Count} tensors; pick one with --tensor ({string.Join(", ", file.Entries.Select(e => e.Name))})"));
        if (!file.Contains(name)) throw new UsageException($"{featuresPath} has no tensor '{name}'");
        var entry = file[name];
        if (entry.DType is not ("F32" or "BF16" or "F16")) throw new UsageException($"tensor '{name}' is {entry.DType}; expected F32, BF16 or F16");
        if (entry.Shape.Length != 5) throw new UsageException($"tensor '{name}' has shape [{string.Join(", ", entry.Shape)}]; expected [n, C, T, H, W]");
        if (entry.Shape[2] == 1 && options.AnalyzeBlockSize.T != 1)
            throw new UsageException($"analyze_block_size ({OptionList.Format(options.AnalyzeBlockSize)}) must have t = 1 for images (T = 1)");
        RuntimeSettings.EnsureWritableDirectory(outDir);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        ComplexityAnalysis analysis;
        using (var scope = NewDisposeScope())
        {
            var features = file.Read(name).to(ScalarType.Float32);
            analysis = ComplexityAnalyzer.Analyze(features, new AnalyzerSettings(options.AnalyzeBlockSize, options.TWeight,
                options.DStrength, options.DDistance, options.Enhance, options.StaticThresh, options.MediumThresh));
        }
        double seconds = watch.Elapsed.TotalSeconds;
        var g = analysis.Grid;
        using (var score = torch.tensor(analysis.Score, [g.T, g.H, g.W]))
        using (var levels = torch.tensor(analysis.Levels, [g.T, g.H, g.W]))
        {
            SafetensorsWriter.Save(Path.Combine(outDir, "scores.safetensors"),
                [new("score", score), new("levels", levels)],
                new Dictionary<string, string> { ["options"] = string.Join(",", options.ToPairs().Select(kv => $"{kv.Key}={kv.Value}")) });
        }
        var b = options.AnalyzeBlockSize;
        var blank = Enumerable.Range(0, g.T).Select(_ => new Frame8(g.W * b.W, g.H * b.H, Enumerable.Repeat((byte)128, g.W * b.W * g.H * b.H * 3).ToArray())).ToArray();
        var map = LevelMapRenderer.Render(blank, analysis.Levels, g, (1, b.H, b.W), scale: Math.Max(1, 256 / Math.Max(1, g.W * b.W)));
        PngWriter.Write(Path.Combine(outDir, "levels.png"), LevelMapRenderer.Montage(map, columns: Math.Min(8, map.Count)));

        int count = analysis.Levels.Length;
        var summary = new Summary
        {
            Features = Path.GetFullPath(featuresPath),
            Tensor = name,
            Shape = entry.Shape,
            Grid = [g.T, g.H, g.W],
            N = analysis.FeatureCount,
            Lag = analysis.Lag,
            Degenerate = analysis.Degenerate,
            Options = options.ToPairs().Where(kv => AnalysisKeys.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value),
            LevelFractions = new Dictionary<string, double>
            {
                ["static"] = analysis.Levels.Count(l => l == 1) / (double)count,
                ["moderate"] = analysis.Levels.Count(l => l == 2) / (double)count,
                ["active"] = analysis.Levels.Count(l => l == 3) / (double)count,
            },
            AnalysisSeconds = seconds,
            Version = RuntimeSettings.Version,
        };
        AtomicFile.WriteAllText(Path.Combine(outDir, "analysis.json"), JsonSerializer.Serialize(summary, ReportJson.Options));
        return summary;
    }
}
