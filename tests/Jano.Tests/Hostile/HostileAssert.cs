using System.Text.RegularExpressions;
using Jano.Core;
using Xunit;

namespace Jano.Tests.Hostile;

/// <summary>The assertions every refused input must pass: the line the CLI would print is one line, names the input,
/// and carries no native stack (<c>frame #</c>, <c>c10::</c>), no .NET type name and no raw control character.</summary>
internal static partial class HostileAssert
{
    /// <summary>Checks the error line for <paramref name="e"/> (what follows <c>jano: error: </c>) and returns it.</summary>
    public static string OneLine(Exception e, string mustName)
    {
        Assert.NotNull(e);
        string line = ErrorText.Describe(e);
        CleanLine(line);
        Assert.Contains(mustName, line, StringComparison.Ordinal);
        return line;
    }

    /// <summary>A printed line: single, no native frames, no type names, no control or invisible characters.</summary>
    public static void CleanLine(string line)
    {
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain('\r', line);
        Assert.DoesNotContain("frame #", line, StringComparison.Ordinal);
        Assert.DoesNotContain("c10::", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception raised from", line, StringComparison.Ordinal);
        Assert.False(TypeName().IsMatch(line), $"a .NET type name in: {line}");
        Assert.False(line.Contains("Object reference not set", StringComparison.Ordinal), $"raw .NET text in: {line}");
        Assert.False(line.Contains("Arithmetic operation resulted in an overflow", StringComparison.Ordinal), $"raw .NET text in: {line}");
        foreach (char c in line)
            Assert.False(char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format,
                $"control character U+{(int)c:X4} in: {ErrorText.Escape(line)}");
    }

    [GeneratedRegex(@"System\.[A-Z]|\bU?Int(16|32|64)\b|`\d|\bNullable\b|\bBoolean\b|Exception\b(?! raised)", RegexOptions.CultureInvariant)]
    private static partial Regex TypeName();
}
