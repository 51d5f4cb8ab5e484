namespace Jano.Cli;

/// <summary>An <see cref="IProgress{T}"/> that calls <paramref name="report"/> on the reporting thread, in order
/// (<see cref="Progress{T}"/> would post to the thread pool).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
