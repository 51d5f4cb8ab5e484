using Jano.Core.IO;

namespace Jano.Training;

/// <summary>Training logs (CSV with a header line) that gain columns between versions.</summary>
public static class CsvLog
{
    /// <summary>Brings the log at <paramref name="path"/> to <paramref name="header"/>: creates it with that header when it
    /// does not exist; nothing when its header already is that; when its header is a leading part of it (a log written
    /// before the new columns existed), rewrites the file atomically with the new header and <paramref name="suffix"/>
    /// (the old rows' values of the new columns, starting with a comma) after every row. A log with any other header is
    /// refused, naming the file.</summary>
    public static void EnsureColumns(string path, string header, string suffix)
    {
        if (!File.Exists(path))
        {
            File.WriteAllText(path, header + "\n");
            return;
        }
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new InvalidDataException($"{path}: the log is empty (expected the header '{header}')");
        if (lines[0] == header) return;
        if (!header.StartsWith(lines[0] + ",", StringComparison.Ordinal))
            throw new InvalidDataException($"{path}: its header '{lines[0]}' is not this log's ('{header}')");
        var rows = lines.Skip(1).Where(l => l.Length > 0).Select(l => l + suffix);
        AtomicFile.WriteAllText(path, string.Join("\n", rows.Prepend(header)) + "\n");
    }
}
