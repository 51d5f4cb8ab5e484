namespace Jano.Server.Api;

/// <summary>A model the server or a worker holds, with its defaults and Jano preset (when the server holds it).</summary>
public sealed record ModelView
{
    public required string Name { get; init; }
    public string? Description { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
    public int? Frames { get; init; }
    public int? Steps { get; init; }
    public double? Guidance { get; init; }
    public double? Shift { get; init; }
    public string? JanoPreset { get; init; }
    public IReadOnlyList<string>? Prompts { get; init; }
    public bool? HasWeights { get; init; }

    /// <summary>Ids of the live workers that hold it (in-process ones included).</summary>
    public required IReadOnlyList<string> Workers { get; init; }
}
