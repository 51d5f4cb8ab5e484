using System.Text.Json;
using System.Text.Json.Serialization;
using Jano.Core.IO;
using Jano.Engine.Jobs;

namespace Jano.Engine.Calibration;

/// <summary>
/// What <c>jano calibrate</c> fitted for one model, stored beside its weights as <c>calibration.json</c>:
/// per-method option text (<c>k=v,...</c>) that the accelerator catalog layers over the method's defaults (and the
/// model's Jano preset) and under the user's options, plus the raw measurements behind each fit.
/// </summary>
public sealed record ModelCalibration
{
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("steps")] public required int Steps { get; init; }
    [JsonPropertyName("threads")] public required int Threads { get; init; }
    [JsonPropertyName("prompts")] public required string[] Prompts { get; init; }
    [JsonPropertyName("seeds")] public required long[] Seeds { get; init; }
    /// <summary>Method name → option text, e.g. <c>teacache</c> → <c>coefficients=...</c>.</summary>
    [JsonPropertyName("options")] public required Dictionary<string, string> Options { get; init; }
    /// <summary>TeaCache fit points: (relative L1 change of block 0's modulated input, of the block-stack output).</summary>
    [JsonPropertyName("teacache_points")] public required double[][] TeaCachePoints { get; init; }
    /// <summary>MagCache: mean residual-magnitude ratio per step (step 0 = 1).</summary>
    [JsonPropertyName("mag_ratios")] public required double[] MagRatios { get; init; }
    /// <summary>Jano table rows: setting, skipped fraction, PSNR (dB), relative L1 and L2 step cost, computed shares.</summary>
    [JsonPropertyName("jano_rows")] public required JanoCalibrationRow[] JanoRows { get; init; }

    /// <summary>Option text for <paramref name="method"/> (empty when not calibrated).</summary>
    public string For(string method) => Options.TryGetValue(method, out var text) ? text : "";

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, ReportJson.Options));

    /// <summary>Reads a calibration file; a malformed one is an <see cref="InvalidDataException"/> naming the file.</summary>
    public static ModelCalibration Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<ModelCalibration>(File.ReadAllText(path), ReportJson.Options)
                   ?? throw new InvalidDataException($"{path}: empty calibration file");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a calibration file ({e.Message})", e);
        }
    }
}
