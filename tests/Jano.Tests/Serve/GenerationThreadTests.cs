using Jano.Server.Workers;
using Xunit;

namespace Jano.Tests.Serve;

/// <summary>The worker's generation thread: one dedicated thread (not the pool's) runs every piece of work in order, and a
/// failure or a cancellation reaches the awaiting caller.</summary>
public sealed class GenerationThreadTests
{
    [Fact]
    public async Task Work_runs_in_order_on_one_named_thread_outside_the_pool_and_failures_reach_the_caller()
    {
        using var thread = new GenerationThread("jano-test-gen");
        var seen = new List<(int, bool, string?)>();
        var first = thread.Run(() =>
        {
            Thread.Sleep(50);
            seen.Add((Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread, Thread.CurrentThread.Name));
            return 1;
        });
        var second = thread.Run(() =>
        {
            seen.Add((Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread, Thread.CurrentThread.Name));
            return 2;
        });
        var results = await Task.WhenAll(first, second);
        Assert.Equal(new[] { 1, 2 }, results);
        Assert.Equal(2, seen.Count);
        Assert.Equal(seen[0], seen[1]);
        Assert.False(seen[0].Item2, "the work ran on a thread-pool thread");
        Assert.Equal("jano-test-gen", seen[0].Item3);
        Assert.NotEqual(Environment.CurrentManagedThreadId, seen[0].Item1);

        var failed = thread.Run<int>(() => throw new InvalidDataException("bad weights"));
        Assert.Equal("bad weights", (await Assert.ThrowsAsync<InvalidDataException>(() => failed)).Message);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => thread.Run(() => { cts.Token.ThrowIfCancellationRequested(); return 0; }));
        Assert.Equal(3, await thread.Run(() => 3)); // the thread lives on after a failure
    }
}
