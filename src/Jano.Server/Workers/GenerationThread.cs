using System.Collections.Concurrent;

namespace Jano.Server.Workers;

/// <summary>
/// The one thread a <see cref="QueueWorker"/> runs its generations on, one after another, for the worker's whole life: a
/// dedicated thread, not the thread pool's. A generation holds its thread for the whole job, and on a machine with few cores
/// a pool thread held that long starves the server's own work (Kestrel, the event streams, the queue's database calls),
/// because the pool adds threads only slowly. One long-lived thread rather than one per job also keeps the native side
/// steady: libtorch's OpenMP team belongs to the thread that starts it, and glibc gives each thread's allocations an arena,
/// so every job reuses the same team and the same arena instead of building a new team and moving to another arena.
/// </summary>
internal sealed class GenerationThread : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;

    /// <param name="name">The thread's name (the kernel shows its first 15 characters).</param>
    public GenerationThread(string name)
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on the thread after the work queued before it; the task ends with its result or
    /// its exception (an <see cref="OperationCanceledException"/> included), continuations off the thread.</summary>
    public Task<T> Run<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            T result;
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                done.SetException(e); // the caller awaits the task and sees the exception
                return;
            }
            done.SetResult(result);
        });
        return done.Task;
    }

    private void Loop()
    {
        foreach (var work in _work.GetConsumingEnumerable()) work();
        _work.Dispose();
    }

    /// <summary>Takes no more work; the thread ends once the queued work is done (it is a background thread, so a generation
    /// still running, which its caller cancels through its token, never keeps the process alive, and disposing never waits
    /// for it).</summary>
    public void Dispose() => _work.CompleteAdding();
}
