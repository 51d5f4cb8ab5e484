using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jano.Core;

/// <summary>
/// Deserializes a JSON config into a record and turns every failure into one line that names the source and the field
/// (<c>config.json: 'dim' must be an integer (-2147483648 to 2147483647)</c>), never a .NET type name.
/// </summary>
public static class ConfigJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 32,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Parses <paramref name="json"/> as <typeparamref name="T"/>.</summary>
    /// <exception cref="InvalidDataException">Not JSON, not an object, or a field of the wrong kind; the message starts
    /// with <paramref name="source"/>.</exception>
    public static T Deserialize<T>(string json, string source) where T : class
    {
        ArgumentNullException.ThrowIfNull(json);
        T? value;
        try
        {
            value = JsonSerializer.Deserialize<T>(json, Options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: {Describe(e, typeof(T))}", e);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            throw new InvalidDataException($"{source}: not a valid config: {ErrorText.WithoutTypeNames(e.Message)}", e);
        }
        return value ?? throw new InvalidDataException($"{source}: the config is null, not a JSON object");
    }

    /// <summary>One line for a deserialization error: the field and what it must hold, or the JSON syntax error.</summary>
    public static string Describe(JsonException e, Type type)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(type);
        string? field = e.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : null;
        if (field is not null && e.Message.Contains("could not be converted", StringComparison.Ordinal))
        {
            var property = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .FirstOrDefault(pr => (pr.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? pr.Name) == field.Split('[', '.')[0]);
            return $"'{ErrorText.Escape(field.Split('[')[0])}' must be {Expected(property?.PropertyType)}";
        }
        if (field is null && e.Message.Contains("could not be converted", StringComparison.Ordinal))
            return "the config must be a JSON object";
        string message = e.Message;
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut];
        string where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
        return $"not valid JSON{where}: {ErrorText.WithoutTypeNames(message)}";
    }

    private static string Expected(Type? t)
    {
        t = t is null ? null : Nullable.GetUnderlyingType(t) ?? t;
        if (t == typeof(int)) return "an integer (-2147483648 to 2147483647)";
        if (t == typeof(long)) return "an integer";
        if (t == typeof(double) || t == typeof(float)) return "a number";
        if (t == typeof(bool)) return "true or false";
        if (t == typeof(string)) return "a string";
        if (t == typeof(int[]) || t == typeof(long[])) return "an array of integers (-2147483648 to 2147483647)";
        if (t is not null && t.IsArray) return "an array";
        return "a value of the right kind";
    }
}
