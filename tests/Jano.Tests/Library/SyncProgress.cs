namespace Jano.Tests.Library;

/// <summary>An <see cref="IProgress{T}"/> that runs its handler on the reporting thread, in order (the framework's
/// <see cref="Progress{T}"/> posts to the thread pool, so reports could arrive out of order).</summary>
public sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
