using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jano.Engine.Jobs;

/// <summary>JSON settings of every report this project writes.</summary>
public static class ReportJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
