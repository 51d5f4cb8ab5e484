using System.Net;
using System.Text.RegularExpressions;

namespace Jano.Models.Wan.TextEncoder;

/// <summary>
/// Wan's prompt cleaning before tokenisation (<c>wan/modules/tokenizers.py</c>, <c>clean='whitespace'</c>, the mode
/// <c>T5EncoderModel</c> uses): <c>basic_clean</c> (ftfy.fix_text, html.unescape twice, strip) then <c>whitespace_clean</c>
/// (every run of whitespace → one space, strip). No lower-casing. Differences: ftfy's mojibake/quote fixing is not
/// reproduced, and <see cref="WebUtility.HtmlDecode"/> stands in for Python's <c>html.unescape</c> (they agree on named
/// and numeric entities with a semicolon; Python also decodes a few legacy entities without one, e.g. <c>&amp;amp</c>).
/// Whitespace follows Python exactly: <c>strip()</c> removes <c>str.isspace</c> characters (which include U+001C–U+001F),
/// while the <c>regex</c> package's <c>\s</c> is Unicode White_Space (which does not), as .NET's <c>\s</c>.
/// </summary>
public static partial class WanPromptCleaner
{
    /// <summary>The cleaned prompt.</summary>
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = WebUtility.HtmlDecode(WebUtility.HtmlDecode(text)).Trim(PythonWhitespace);
        s = Whitespace().Replace(s, " ");
        return s.Trim(PythonWhitespace);
    }

    // str.isspace(): bidi classes WS, B, S and category Zs.
    private static readonly char[] PythonWhitespace =
    [
        '\t', '\n', '\v', '\f', '\r', '\u001C', '\u001D', '\u001E', '\u001F', ' ', '\u0085', '\u00A0', '\u1680',
        '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200A',
        '\u2028', '\u2029', '\u202F', '\u205F', '\u3000',
    ];

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
