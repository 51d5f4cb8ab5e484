using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Jano.Core;

/// <summary>
/// Turns exceptions and names from files into the one line the CLI prints: line breaks folded, control and invisible
/// formatting characters escaped (<c>\u001b</c>), libtorch's C++ stack (<c>Exception raised from …</c>, <c>frame #N: c10::…</c>)
/// dropped, and .NET type names (<c>Int32</c>, <c>Nullable`1</c>, <c>System.…</c>) replaced by plain words.
/// </summary>
public static partial class ErrorText
{
    /// <summary>Escapes characters that must not reach a terminal raw: C0/C1 controls (NUL, ESC, CR, LF, TAB …),
    /// Unicode format characters (bidi overrides, zero-width), line/paragraph separators and unpaired surrogates,
    /// each as <c>\uXXXX</c>. Everything else is kept.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            if (pair)
            {
                sb?.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            if (NeedsEscape(c))
            {
                sb ??= new StringBuilder(text.Length + 16).Append(text, 0, i);
                sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                sb?.Append(c);
            }
        }
        return sb?.ToString() ?? text;
    }

    /// <summary>A name from a file or the command line in single quotes, escaped with <see cref="Escape"/>.</summary>
    public static string Quote(string name) => "'" + Escape(name ?? "") + "'";

    /// <summary>Folds line breaks (and the whitespace around them) into single spaces and escapes what
    /// <see cref="Escape"/> escapes; the result is one line.</summary>
    public static string OneLine(string message)
    {
        if (string.IsNullOrEmpty(message)) return message ?? "";
        var parts = message.Split(LineBreaks, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return Escape(string.Join(" ", parts));
    }

    /// <summary>Drops a libtorch C++ stack from <paramref name="message"/>: everything from
    /// "Exception raised from" on, and any line that is a stack frame (<c>frame #N:</c>).</summary>
    public static string WithoutNativeFrames(string message)
    {
        if (string.IsNullOrEmpty(message)) return message ?? "";
        int cut = message.IndexOf("Exception raised from", StringComparison.Ordinal);
        if (cut >= 0) message = message[..cut];
        var lines = message.Split(LineBreaks, StringSplitOptions.None)
            .Where(l => !FramePattern().IsMatch(l) && !l.Contains("c10::", StringComparison.Ordinal));
        return string.Join("\n", lines).Trim();
    }

    /// <summary>Replaces .NET type names (<c>System.Int32</c>, <c>Int64</c>, <c>Nullable`1[…]</c>, any <c>System.X.Y</c>,
    /// generic arity marks) with plain words (integer, number, true/false, text, value).</summary>
    public static string WithoutTypeNames(string message)
    {
        if (string.IsNullOrEmpty(message)) return message ?? "";
        message = NullablePattern().Replace(message, m => Friendly(m.Groups["inner"].Success ? m.Groups["inner"].Value : ""));
        message = QualifiedPattern().Replace(message, m => Friendly(m.Groups["last"].Value));
        message = GenericPattern().Replace(message, "value");
        return PrimitivePattern().Replace(message, m => Friendly(m.Value));
    }

    /// <summary>The text after <c>jano: error: </c> for <paramref name="e"/>: its message without native frames or type
    /// names, on one line, escaped. libtorch failures start with <c>libtorch:</c>; exceptions that carry no context of
    /// their own (a bug, or an unchecked input the code should have named) start with <c>internal error:</c>.</summary>
    public static string Describe(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        while (e is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException && e.InnerException is not null)
            e = e.InnerException!;
        string message = WithoutTypeNames(WithoutNativeFrames(e.Message));
        if (message.Length == 0) message = "(no message)";
        string prefix = e switch
        {
            OperationCanceledException => "",
            OutOfMemoryException => "out of memory: ",
            InsufficientExecutionStackException or StackOverflowException => "input nested too deeply: ",
            ExternalException when IsLibTorch(e) => "libtorch: ",
            NullReferenceException or InvalidCastException or IndexOutOfRangeException or OverflowException
                or KeyNotFoundException or NotImplementedException or DivideByZeroException or ArrayTypeMismatchException
                or ArgumentException or InvalidOperationException or FormatException => "internal error: ",
            _ => "",
        };
        if (e is OperationCanceledException) return "interrupted";
        return OneLine(prefix + message);
    }

    private static bool IsLibTorch(Exception e) =>
        e.Source is not null && e.Source.StartsWith("TorchSharp", StringComparison.Ordinal)
        || e.Message.Contains("Exception raised from", StringComparison.Ordinal)
        || e.StackTrace?.Contains("TorchSharp", StringComparison.Ordinal) == true;

    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || char.IsSurrogate(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    private static string Friendly(string typeName) => typeName switch
    {
        "Int16" or "Int32" or "Int64" or "UInt16" or "UInt32" or "UInt64" or "Byte" or "SByte" or "IntPtr" => "integer",
        "Single" or "Double" or "Decimal" or "Half" => "number",
        "Boolean" => "true/false",
        "String" or "Char" => "text",
        _ => "value",
    };

    private static readonly string[] LineBreaks = ["\r\n", "\n", "\r", "\u2028", "\u2029", "\u0085"];

    [GeneratedRegex(@"^\s*frame #\d+", RegexOptions.CultureInvariant)]
    private static partial Regex FramePattern();

    [GeneratedRegex(@"(?:System\.)?Nullable`1(?:\[\[?(?:System\.)?(?<inner>\w+)[^\]]*\]\]?)?", RegexOptions.CultureInvariant)]
    private static partial Regex NullablePattern();

    [GeneratedRegex(@"\bSystem(?:\.\w+)*\.(?<last>\w+)(?:`\d+)?(?:\[[^\]]*\])?", RegexOptions.CultureInvariant)]
    private static partial Regex QualifiedPattern();

    [GeneratedRegex(@"\b\w+`\d+(?:\[[^\]]*\])?", RegexOptions.CultureInvariant)]
    private static partial Regex GenericPattern();

    [GeneratedRegex(@"\b(?:U?Int(?:16|32|64)|SByte|Single|Double|Decimal|Boolean)\b", RegexOptions.CultureInvariant)]
    private static partial Regex PrimitivePattern();
}
