using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jano.Server;

/// <summary>The JSON settings of the API and of what the queue stores: snake_case names, nulls left out.</summary>
public static class ServerJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions());

    /// <summary>Applies the settings to <paramref name="o"/> (ASP.NET's options object).</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        o.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        o.MaxDepth = 8;
        return o;
    }
}
