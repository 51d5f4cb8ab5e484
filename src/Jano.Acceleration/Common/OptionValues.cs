using System.Globalization;
using Jano.Core.Options;

namespace Jano.Acceleration.Common;

/// <summary>Option value kinds the baselines need beyond <see cref="OptionList"/>: lists written with ';' (values never contain commas).</summary>
public static class OptionValues
{
    /// <summary>Parses <c>a;b;c</c> into finite numbers; errors name the key.</summary>
    public static double[] DoubleList(string key, string value)
    {
        var parts = value.Split(';', StringSplitOptions.TrimEntries);
        if (parts.Length == 0 || parts.Any(p => p.Length == 0))
            throw new ArgumentException($"invalid value '{value}' for {key}: expected numbers separated by ';'");
        return parts.Select(p => OptionList.ParseDouble(key, p)).ToArray();
    }

    /// <summary>Parses <c>a;b;c</c> into integers (empty text → none); errors name the key.</summary>
    public static int[] IntList(string key, string value)
    {
        if (value.Length == 0 || value == "none") return [];
        var parts = value.Split(';', StringSplitOptions.TrimEntries);
        if (parts.Any(p => p.Length == 0))
            throw new ArgumentException($"invalid value '{value}' for {key}: expected integers separated by ';'");
        return parts.Select(p => OptionList.ParseInt(key, p)).ToArray();
    }

    public static string Format(IEnumerable<double> values) => string.Join(";", values.Select(OptionList.Format));

    public static string Format(IEnumerable<int> values)
    {
        var s = string.Join(";", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
        return s.Length == 0 ? "none" : s;
    }

    /// <summary>The error for a key a method does not know.</summary>
    public static ArgumentException Unknown(string method, string key, IEnumerable<string> valid) =>
        new($"unknown option '{key}' for {method} (valid: {string.Join(", ", valid)})");
}
