using System.Runtime.InteropServices;

namespace Jano.Cli;

/// <summary>
/// SIGINT (Ctrl+C) and SIGTERM for the CLI: the first signal cancels <see cref="Token"/>, which the running job
/// observes between steps; the command then unwinds, its output folder is rolled back, and the CLI prints
/// <c>jano: error: interrupted</c> and exits 130. When the work has not stopped within the grace period (a long
/// native call, a load), or on a second signal, the process rolls back and exits 130 itself with the same line.
/// </summary>
internal sealed class Interrupts : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly TimeSpan _grace;
    private readonly Action _rollback;
    private int _signals;
    private int _finishing;

    /// <param name="grace">How long the work may take to stop after the first signal.</param>
    /// <param name="rollback">Removes partial outputs; called before a forced exit (from the signal's thread).</param>
    public Interrupts(TimeSpan grace, Action rollback)
    {
        _grace = grace;
        _rollback = rollback;
        if (OperatingSystem.IsWindows() || OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal));
            _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal));
        }
    }

    /// <summary>Cancelled at the first signal.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>Whether a signal arrived.</summary>
    public bool Interrupted => Volatile.Read(ref _signals) > 0;

    /// <summary>Claims the right to print the final line and exit. False when a forced exit is already under way
    /// (the caller must then not print anything).</summary>
    public bool TryFinish() => Interlocked.Exchange(ref _finishing, 1) == 0;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // no default termination: the job unwinds and cleans up
        int n = Interlocked.Increment(ref _signals);
        if (n == 1)
        {
            _cts.Cancel();
            var watchdog = new Thread(() =>
            {
                Thread.Sleep(_grace);
                ForceExit();
            }) { IsBackground = true, Name = "jano-interrupt-watchdog" };
            watchdog.Start();
        }
        else
        {
            ForceExit();
        }
    }

    private void ForceExit()
    {
        if (!TryFinish()) return;
        _rollback();
        Console.Out.Flush();
        Console.Error.WriteLine("jano: error: interrupted");
        Console.Error.Flush();
        // The main thread may be inside libtorch: a normal exit would run libtorch's static destructors under it and
        // corrupt the heap (glibc aborts), so end the process at once, as a signal would, but with status 130.
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) ImmediateExit(130);
        Environment.Exit(130);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern void ImmediateExit(int status);

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cts.Dispose();
    }
}
