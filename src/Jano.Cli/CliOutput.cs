using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Jano.Cli;

/// <summary>
/// Keeps the command's output readable when stdout is not a terminal (a pipe or a file): Spectre.Console then assumes 80
/// columns, wraps long lines and squeezes tables to one word per line. With <see cref="Configure"/> lines are not wrapped,
/// and <see cref="Write(Table)"/> prints tables as plain aligned text (header, then one line per row, columns separated by
/// two spaces, no box drawing), which <c>grep</c>, <c>cut</c> and <c>awk</c> read. On a terminal both leave Spectre's
/// rendering as it is.
/// </summary>
public static class CliOutput
{
    /// <summary>The line width assumed when stdout is redirected (long enough that no line of ours wraps).</summary>
    public const int RedirectedWidth = 4096;

    private static readonly char[] Whitespace = [' ', '\t', '\r', '\n'];

    /// <summary>True when stdout is a pipe or a file.</summary>
    public static bool Redirected => Console.IsOutputRedirected;

    /// <summary>Call once at start: when stdout is redirected, Spectre.Console stops wrapping at 80 columns.</summary>
    public static void Configure()
    {
        if (Redirected) AnsiConsole.Profile.Width = RedirectedWidth;
    }

    /// <summary>Writes <paramref name="table"/>: Spectre's table on a terminal, <see cref="PlainText"/> otherwise.</summary>
    public static void Write(Table table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (!Redirected)
        {
            AnsiConsole.Write(table);
            return;
        }
        AnsiConsole.Profile.Out.Writer.Write(PlainText(table));
        AnsiConsole.Profile.Out.Writer.Flush();
    }

    /// <summary>The table as plain text: the header and each row on one line, every column padded to its widest cell
    /// (the last one not padded), columns two spaces apart, markup and line breaks inside cells removed.</summary>
    public static string PlainText(Table table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var options = RenderOptions.Create(AnsiConsole.Console, AnsiConsole.Console.Profile.Capabilities);
        var lines = new List<string[]> { table.Columns.Select(c => CellText(c.Header, options)).ToArray() };
        foreach (var row in table.Rows) lines.Add(row.Select(cell => CellText(cell, options)).ToArray());
        int columns = lines.Max(l => l.Length);
        var widths = new int[columns];
        foreach (var line in lines)
            for (int i = 0; i < line.Length; i++) widths[i] = Math.Max(widths[i], line[i].Length);
        var sb = new StringBuilder();
        foreach (var line in lines)
        {
            for (int i = 0; i < line.Length; i++)
            {
                if (i > 0) sb.Append("  ");
                sb.Append(i == line.Length - 1 ? line[i] : line[i].PadRight(widths[i]));
            }
            sb.Append(Environment.NewLine);
        }
        return sb.ToString();
    }

    private static string CellText(IRenderable cell, RenderOptions options)
    {
        var text = string.Concat(cell.Render(options, RedirectedWidth).Where(s => !s.IsControlCode).Select(s => s.IsLineBreak ? " " : s.Text));
        return string.Join(' ', text.Split(Whitespace, StringSplitOptions.RemoveEmptyEntries));
    }
}
