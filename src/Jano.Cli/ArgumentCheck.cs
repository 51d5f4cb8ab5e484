using System.Globalization;
using System.Reflection;
using Jano.Core;
using Spectre.Console.Cli;

namespace Jano.Cli;

/// <summary>
/// Checks a command line against the commands' settings classes before Spectre parses it, so every mistake is one
/// <see cref="UsageException"/> that names the option: unknown commands and options (with the closest valid name when
/// one is near), stray arguments, options given twice, a missing value, and values that are not of the option's type
/// (integers in range, finite numbers, <c>true</c>/<c>false</c>, text without invalid UTF-8).
/// </summary>
internal static class ArgumentCheck
{
    private static readonly string[] HelpTokens = ["-h", "--help", "-?"];
    private static readonly string[] GlobalTokens = ["-v", "--version"];

    /// <summary>One option of a command: its names and the property it fills.</summary>
    private sealed record OptionInfo(string Display, Type Type, bool IsFlag, bool Repeatable);

    /// <summary>Throws a <see cref="UsageException"/> for the first problem in <paramref name="args"/>.</summary>
    /// <param name="args">The command line (without the program name).</param>
    /// <param name="commands">Command name → settings type (null for a command without settings).</param>
    public static void Validate(IReadOnlyList<string> args, IReadOnlyDictionary<string, Type?> commands)
    {
        if (args.Count == 0 || args.Any(a => HelpTokens.Contains(a, StringComparer.Ordinal))) return;
        string first = args[0];
        if (first.StartsWith('-'))
        {
            if (GlobalTokens.Contains(first, StringComparer.Ordinal) && args.Count == 1) return;
            if (GlobalTokens.Contains(first, StringComparer.Ordinal))
                throw new UsageException($"unexpected argument {ErrorText.Quote(args[1])} after {first}");
            throw new UsageException($"unknown option {ErrorText.Quote(first)}: give a command first (jano --help lists them)");
        }
        if (!commands.TryGetValue(first, out var settingsType))
        {
            string? near = Closest(first, commands.Keys);
            throw new UsageException($"unknown command {ErrorText.Quote(first)}" +
                                     (near is null ? "" : $"; did you mean '{near}'?") + " (jano --help lists the commands)");
        }
        var (options, positionals) = Describe(settingsType);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int positional = 0;
        for (int i = 1; i < args.Count; i++)
        {
            string token = args[i];
            if (token == "--")
                throw new UsageException($"unexpected argument '--' for 'jano {first}'");
            if (token.Length > 1 && token[0] == '-' && !IsNumber(token))
            {
                string name = token, inline = "";
                bool hasInline = false;
                int eq = token.StartsWith("--", StringComparison.Ordinal) ? token.IndexOfAny(['=', ':']) : -1;
                if (eq > 0)
                {
                    name = token[..eq];
                    inline = token[(eq + 1)..];
                    hasInline = true;
                }
                if (!options.TryGetValue(name, out var option))
                {
                    string? near = Closest(name, options.Keys.Where(k => k.StartsWith("--", StringComparison.Ordinal)));
                    throw new UsageException($"unknown option {ErrorText.Quote(name)} for 'jano {first}'" +
                                             (near is null ? $" (jano {first} --help lists its options)" : $"; did you mean '{near}'?"));
                }
                if (!option.Repeatable && !seen.Add(option.Display))
                    throw new UsageException($"option '{option.Display}' is given more than once");
                if (option.IsFlag)
                {
                    if (hasInline) CheckValue(option, inline);
                    continue;
                }
                string value;
                if (hasInline) value = inline;
                else if (i + 1 < args.Count) value = args[++i];
                else throw new UsageException($"option '{option.Display}' needs a value");
                CheckValue(option, value);
                continue;
            }
            if (positional < positionals.Count)
            {
                CheckText(positionals[positional], token);
                positional++;
                continue;
            }
            throw new UsageException($"unexpected argument {ErrorText.Quote(token)} for 'jano {first}'" +
                                     (positionals.Count == 0 ? " (it takes options only; values follow their option)" : ""));
        }
    }

    /// <summary>The closest of <paramref name="candidates"/> to <paramref name="given"/> when it is near enough to be a
    /// likely slip (a prefix, or at most a third of the letters different); else null.</summary>
    public static string? Closest(string given, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            if (c.StartsWith(given, StringComparison.OrdinalIgnoreCase) && given.TrimStart('-').Length >= 2) return c;
            int d = Distance(given.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestDistance)
            {
                bestDistance = d;
                best = c;
            }
        }
        int allowed = Math.Max(2, given.TrimStart('-').Length / 3);
        return bestDistance <= allowed ? best : null;
    }

    private static (Dictionary<string, OptionInfo> Options, List<string> Positionals) Describe(Type? settingsType)
    {
        var options = new Dictionary<string, OptionInfo>(StringComparer.Ordinal);
        var positionals = new List<(int Position, string Name)>();
        if (settingsType is null) return (options, []);
        foreach (var property in settingsType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<CommandOptionAttribute>() is { } o)
            {
                var type = property.PropertyType;
                bool flag = type == typeof(bool) || type == typeof(bool?);
                bool repeatable = type.IsArray;
                string display = o.LongNames.Count > 0 ? "--" + o.LongNames[0] : "-" + o.ShortNames[0];
                var info = new OptionInfo(display, repeatable ? type.GetElementType()! : type, flag, repeatable);
                foreach (var n in o.LongNames) options["--" + n] = info;
                foreach (var n in o.ShortNames) options["-" + n] = info;
            }
            else if (property.GetCustomAttribute<CommandArgumentAttribute>() is { } a)
            {
                positionals.Add((a.Position, a.ValueName));
            }
        }
        return (options, positionals.OrderBy(p => p.Position).Select(p => p.Name).ToList());
    }

    private static void CheckValue(OptionInfo option, string value)
    {
        var type = Nullable.GetUnderlyingType(option.Type) ?? option.Type;
        string quoted = ErrorText.Quote(value);
        if (type == typeof(bool))
        {
            if (!bool.TryParse(value, out _)) throw new UsageException($"invalid value {quoted} for {option.Display}: expected true or false");
        }
        else if (type == typeof(int) || type == typeof(long))
        {
            long min = type == typeof(int) ? int.MinValue : long.MinValue, max = type == typeof(int) ? int.MaxValue : long.MaxValue;
            bool integer = value.Length > 0 && value.TrimStart('-', '+').All(char.IsAsciiDigit) && value.TrimStart('-', '+').Length > 0;
            if (!integer) throw new UsageException($"invalid value {quoted} for {option.Display}: expected an integer");
            if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) || n < min || n > max)
                throw new UsageException($"invalid value {quoted} for {option.Display}: the integer must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}");
        }
        else if (type == typeof(double) || type == typeof(float))
        {
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d)
                || (type == typeof(float) && !float.IsFinite((float)d)))
                throw new UsageException($"invalid value {quoted} for {option.Display}: expected a finite number like 0.5");
        }
        else
        {
            CheckText(option.Display, value);
        }
    }

    // Text values: .NET decodes invalid UTF-8 in the command line to U+FFFD; refuse it rather than act on a mangled value.
    private static void CheckText(string name, string value)
    {
        if (value.Contains('\uFFFD', StringComparison.Ordinal))
            throw new UsageException($"the value of {name} is not valid UTF-8");
    }

    private static bool IsNumber(string token) =>
        double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
