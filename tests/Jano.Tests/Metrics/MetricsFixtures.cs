using System.Reflection;
using System.Text.Json;
using Jano.Core.Metrics;

namespace Jano.Tests.Metrics;

/// <summary>Reads the JSON written by scripts/fixtures/make_metric_fixtures.py (tests/fixtures/metrics/).</summary>
internal static class MetricsFixtures
{
    public static string Dir
    {
        get
        {
            var root = typeof(MetricsFixtures).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .First(a => a.Key == "RepoRoot").Value!;
            return Path.Combine(root, "tests", "fixtures", "metrics");
        }
    }

    public static JsonElement Load(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, file)));
        return doc.RootElement.Clone();
    }

    public static RgbFrame Frame(int width, int height, string base64) =>
        new(width, height, Convert.FromBase64String(base64));

    public static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    /// <summary>A JSON number, or +inf/NaN where the fixture wrote null (see the script's <c>num</c>).</summary>
    public static double? NullableDouble(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetDouble();
}
