namespace Jano.Core.IO;

/// <summary>
/// Writes a file under a temporary name in the same folder and renames it into place only when the writer
/// finished, so a failed or interrupted write never leaves a half-written file at the final path.
/// </summary>
public static class AtomicFile
{
    /// <summary>The temporary name used for <paramref name="path"/>: hidden, in the same folder, unique per call.</summary>
    public static string TempPathFor(string path)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? ".";
        return Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
    }

    /// <summary>Runs <paramref name="write"/> on a temporary path, then renames it to <paramref name="path"/>
    /// (replacing an existing file). The temporary file is deleted when <paramref name="write"/> throws.</summary>
    public static void Write(string path, Action<string> write)
    {
        var tmp = TempPathFor(path);
        try
        {
            write(tmp);
            if (!File.Exists(tmp)) throw new IOException($"writer produced no file for {path}");
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Writes a stream's content atomically.</summary>
    public static void Write(string path, Action<Stream> write) =>
        Write(path, (string tmp) =>
        {
            using var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            write(stream);
            stream.Flush(flushToDisk: false);
        });

    public static void WriteAllText(string path, string text) =>
        Write(path, (string tmp) => File.WriteAllText(tmp, text));

    public static void WriteAllBytes(string path, byte[] bytes) =>
        Write(path, (string tmp) => File.WriteAllBytes(tmp, bytes));
}
