namespace Jano.Server.Workers;

/// <summary>The output files a job may have; the API serves outputs by these names only.</summary>
public static class OutputNames
{
    /// <summary>Name and content type of every servable output.</summary>
    public static IReadOnlyDictionary<string, string> ContentTypes { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["output.png"] = "image/png",
        ["output.gif"] = "image/gif",
        ["output.mp4"] = "video/mp4",
        ["baseline.png"] = "image/png",
        ["baseline.gif"] = "image/gif",
        ["baseline.mp4"] = "video/mp4",
        ["levels.png"] = "image/png",
        ["report.json"] = "application/json",
    };

    /// <summary>The PNG text keyword under which outputs carry their job's settings (the job spec as JSON).</summary>
    public const string SettingsKeyword = "jano-settings";
}
