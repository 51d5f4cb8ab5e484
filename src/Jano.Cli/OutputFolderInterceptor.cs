using Jano.Core.IO;
using Spectre.Console.Cli;

namespace Jano.Cli;

/// <summary>
/// Puts the output folder of <c>generate</c>, <c>analyze</c> and <c>eval</c> (their <c>--out</c>) under an
/// <see cref="OutputFolderGuard"/> before the command runs, so a failed or interrupted run leaves nothing of the folder
/// it created. <c>train</c> and <c>bench</c> are left out on purpose: they keep partial results for <c>--resume</c>.
/// </summary>
internal sealed class OutputFolderInterceptor : ICommandInterceptor
{
    private static readonly HashSet<string> Guarded = new(StringComparer.Ordinal) { "generate", "analyze", "eval" };
    private readonly object _gate = new();
    private OutputFolderGuard? _guard;

    /// <summary>The guard of the running command; null when it has no output folder.</summary>
    public OutputFolderGuard? Guard
    {
        get
        {
            lock (_gate) return _guard;
        }
    }

    public void Intercept(CommandContext context, CommandSettings settings)
    {
        if (!Guarded.Contains(context.Name)) return;
        if (settings.GetType().GetProperty("Out")?.GetValue(settings) is not string { Length: > 0 } folder) return;
        lock (_gate) _guard = OutputFolderGuard.Begin(folder);
    }

    /// <summary>Keeps what the command wrote.</summary>
    public void Commit() => Guard?.Commit();

    /// <summary>Removes what the command added; returns the paths that could not be removed.</summary>
    public IReadOnlyList<string> Rollback()
    {
        var guard = Guard;
        if (guard is null) return [];
        guard.Rollback();
        return guard.Leftovers;
    }
}
