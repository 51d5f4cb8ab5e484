namespace Jano.Core.IO;

/// <summary>
/// Makes a run's output folder all-or-nothing. <see cref="Begin"/> notes, before anything is written, whether the folder
/// exists and (when it does) what it holds; <see cref="Commit"/> keeps what the run wrote; <see cref="Rollback"/> (or
/// disposing without a commit) removes what the run added: the whole folder when the run created it (with any parent
/// folders it created), otherwise only the entries that were not there at <see cref="Begin"/>.
/// </summary>
/// <remarks>
/// Symbolic links are never followed when removing: a link the run did not create is left alone, and a folder reached
/// through a link (<c>--out link-to-dir</c>) counts as existing, so the link and its target stay and only new entries
/// inside the target go. Files that the run replaced in an existing folder keep their new content (every writer
/// replaces files atomically, so they are complete). The listing of an existing folder stops after
/// <see cref="MaxTrackedEntries"/> entries; beyond that, only new top-level entries are removed. Rollback is safe to
/// call from another thread (a signal handler) and more than once.
/// </remarks>
public sealed class OutputFolderGuard : IDisposable
{
    /// <summary>Largest number of entries of an existing folder that are listed at <see cref="Begin"/>.</summary>
    public const int MaxTrackedEntries = 100_000;

    private readonly object _gate = new();
    private readonly string? _createdRoot;
    private readonly HashSet<string>? _before;
    private readonly bool _topLevelOnly;
    private readonly List<string> _leftovers = [];
    private bool _done;

    private OutputFolderGuard(string path, string? createdRoot, HashSet<string>? before, bool topLevelOnly)
    {
        Path = path;
        _createdRoot = createdRoot;
        _before = before;
        _topLevelOnly = topLevelOnly;
    }

    /// <summary>The output folder (full path).</summary>
    public string Path { get; }

    /// <summary>True when the folder did not exist at <see cref="Begin"/> (the run creates it).</summary>
    public bool CreatesFolder => _createdRoot is not null;

    /// <summary>Entries the last <see cref="Rollback"/> could not remove (full paths); empty when it removed everything.</summary>
    public IReadOnlyList<string> Leftovers
    {
        get
        {
            lock (_gate) return _leftovers.ToArray();
        }
    }

    /// <summary>Notes the state of <paramref name="folder"/> before a run writes into it. Nothing is created.</summary>
    public static OutputFolderGuard Begin(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        string full = System.IO.Path.GetFullPath(folder);
        if (!Directory.Exists(full) && Exists(full))
        {
            // A file or a dangling link where the folder should be: the run will fail to create it; nothing here is ours.
            var guard = new OutputFolderGuard(full, null, null, topLevelOnly: false);
            guard._done = true;
            return guard;
        }
        if (Directory.Exists(full))
        {
            var before = new HashSet<string>(StringComparer.Ordinal);
            bool complete = List(full, before);
            return new OutputFolderGuard(full, null, before, topLevelOnly: !complete);
        }
        // The topmost missing ancestor is what the run will create; stop at anything that exists, link or not.
        string created = full;
        for (var parent = System.IO.Path.GetDirectoryName(created); parent is not null && !Exists(parent);
             parent = System.IO.Path.GetDirectoryName(parent))
            created = parent;
        return new OutputFolderGuard(full, created, null, topLevelOnly: false);
    }

    /// <summary>Keeps everything the run wrote.</summary>
    public void Commit()
    {
        lock (_gate) _done = true;
    }

    /// <summary>Removes what the run added (see the class remarks); does nothing after <see cref="Commit"/>.</summary>
    /// <returns>The number of entries removed (a created folder counts as one).</returns>
    public int Rollback()
    {
        lock (_gate)
        {
            if (_done) return 0;
            _leftovers.Clear();
            if (_createdRoot is not null)
            {
                if (!Exists(_createdRoot)) return 0;
                if (!DeleteEntry(_createdRoot)) _leftovers.Add(_createdRoot);
                return 1;
            }
            if (!Directory.Exists(Path)) return 0;
            int removed = 0;
            var now = new HashSet<string>(StringComparer.Ordinal);
            List(Path, now, topLevelOnly: _topLevelOnly);
            // Parents before children: deleting a new folder removes its contents too.
            foreach (var entry in now.Where(e => !_before!.Contains(e)).OrderBy(e => e.Length))
            {
                string full = System.IO.Path.Combine(Path, entry);
                if (!Exists(full)) continue;
                if (DeleteEntry(full)) removed++;
                else _leftovers.Add(full);
            }
            return removed;
        }
    }

    /// <summary>Rolls back unless <see cref="Commit"/> was called.</summary>
    public void Dispose()
    {
        Rollback();
        lock (_gate) _done = true;
    }

    // Relative paths of the entries under root (links listed, never entered). False when the cap was reached.
    private static bool List(string root, HashSet<string> into, bool topLevelOnly = false)
    {
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            string dir = pending.Pop();
            IEnumerable<string> entries;
            try
            {
                entries = Directory.EnumerateFileSystemEntries(dir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            foreach (var entry in entries)
            {
                if (into.Count >= MaxTrackedEntries) return false;
                into.Add(System.IO.Path.GetRelativePath(root, entry));
                if (!topLevelOnly && IsRealDirectory(entry)) pending.Push(entry);
            }
        }
        return true;
    }

    private static bool IsRealDirectory(string path)
    {
        var info = new DirectoryInfo(path);
        return info.Exists && info.LinkTarget is null;
    }

    private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null;

    // Deletes a file, a link (not its target) or a real folder with its contents; false when something stayed
    // (reported through Leftovers: the run is already failing and reports that first).
    private static bool DeleteEntry(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is not null || !Directory.Exists(path)) File.Delete(path);
            else Directory.Delete(path, recursive: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
