using System.Globalization;

namespace Jano.Core.Options;

/// <summary>
/// Parses accelerator option text <c>k=v,k=v</c> (the CLI's <c>--accel-option</c>). Values never contain commas;
/// block sizes are written <c>7x6x8</c>. Errors are <see cref="ArgumentException"/>s naming the key.
/// </summary>
public static class OptionList
{
    /// <summary>Splits the text into ordered key/value pairs; a later repeat of a key overrides the earlier one.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(string? text)
    {
        var result = new List<KeyValuePair<string, string>>();
        if (string.IsNullOrWhiteSpace(text)) return result;
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = raw.IndexOf('=');
            if (eq <= 0 || eq == raw.Length - 1) throw new ArgumentException($"option '{raw}' is not of the form key=value");
            var key = raw[..eq].Trim().ToLowerInvariant().Replace('-', '_');
            var value = raw[(eq + 1)..].Trim();
            result.RemoveAll(p => p.Key == key);
            result.Add(new(key, value));
        }
        return result;
    }

    public static double ParseDouble(string key, string value)
    {
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) return d;
        throw new ArgumentException($"invalid value '{value}' for {key}: expected a number");
    }

    public static int ParseInt(string key, string value)
    {
        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)) return i;
        throw new ArgumentException($"invalid value '{value}' for {key}: expected an integer");
    }

    public static bool ParseBool(string key, string value) => value.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        _ => throw new ArgumentException($"invalid value '{value}' for {key}: expected true or false"),
    };

    /// <summary>Parses <c>TxHxW</c> (e.g. <c>7x6x8</c>) into positive integers.</summary>
    public static (int T, int H, int W) ParseSize3(string key, string value)
    {
        var parts = value.ToLowerInvariant().Split('x');
        if (parts.Length == 3 && parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0))
            return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture));
        throw new ArgumentException($"invalid value '{value}' for {key}: expected three positive integers like 7x6x8");
    }

    public static string Format(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    public static string Format((int T, int H, int W) s) => $"{s.T}x{s.H}x{s.W}";

    public static string Format(bool b) => b ? "true" : "false";
}
