using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace Jano.Tests.Hostile;

/// <summary>
/// Runs one hostile case in-process under the suite's bounds: it must end within <see cref="TimeLimit"/> (a hang
/// detector, far above the milliseconds a case takes) and the process's resident memory may grow at most
/// <see cref="MemoryLimitBytes"/> above its level before the case (sampled every few milliseconds; the suite runs
/// alone, see <see cref="HostileSuite"/>).
/// </summary>
internal static class HostileBounds
{
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(10);

    public const long MemoryLimitBytes = 512L << 20;

    /// <summary>Runs <paramref name="action"/>; returns what it threw (null when it returned).</summary>
    public static Exception? Run(string name, Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long baseline = ResidentBytes();
        long peak = baseline;
        Exception? thrown = null;
        var done = new ManualResetEventSlim();
        var worker = new Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                thrown = e;
            }
            finally
            {
                done.Set();
            }
        }) { IsBackground = true, Name = "hostile-case" };
        var clock = Stopwatch.StartNew();
        worker.Start();
        while (!done.Wait(5))
        {
            peak = Math.Max(peak, ResidentBytes());
            if (clock.Elapsed > TimeLimit) Assert.Fail($"{name}: did not finish within {TimeLimit.TotalSeconds} s (a hang)");
        }
        peak = Math.Max(peak, ResidentBytes());
        long grown = peak - baseline;
        Assert.True(grown <= MemoryLimitBytes,
            $"{name}: resident memory grew by {(grown >> 20).ToString(CultureInfo.InvariantCulture)} MiB, more than {MemoryLimitBytes >> 20} MiB");
        return thrown;
    }

    /// <summary>Resident set size of this process (from /proc/self/statm).</summary>
    public static long ResidentBytes()
    {
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
    }
}
