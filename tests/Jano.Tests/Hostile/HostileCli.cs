using System.Diagnostics;
using System.Globalization;
using Jano.Cli;

namespace Jano.Tests.Hostile;

/// <summary>Runs the CLI for the hostile suite: in-process through <see cref="CliApp.Run"/> (stderr captured), or as a
/// child process of the built <c>jano.dll</c> with its peak resident memory sampled and signals sent on request.</summary>
internal static class HostileCli
{
    private static readonly object ConsoleGate = new();

    /// <summary>Runs <paramref name="args"/> in this process; returns the exit status and what went to stderr.</summary>
    public static (int Code, string Stderr) InProcess(string[] args)
    {
        lock (ConsoleGate)
        {
            var saved = Console.Error;
            var err = new StringWriter();
            Console.SetError(err);
            try
            {
                int code = CliApp.Run(args);
                return (code, err.ToString());
            }
            finally
            {
                Console.SetError(saved);
            }
        }
    }

    /// <summary>The result of a child run.</summary>
    public sealed record Result(int ExitCode, string Stdout, string Stderr, long PeakResidentBytes, TimeSpan Elapsed)
    {
        public string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("jano: error: ", StringComparison.Ordinal)).ToArray();

        public string LastLine => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
    }

    /// <summary>Runs the built CLI with <paramref name="args"/>. <paramref name="signalAfter"/>: send
    /// <paramref name="signal"/> (e.g. "INT", "TERM", or "INT,INT" for two in a row) once that much time has passed, or once <paramref name="signalWhen"/>
    /// holds. <paramref name="environment"/> entries are added to the child's environment.</summary>
    public static Result Child(string[] args, IReadOnlyDictionary<string, string>? environment = null, string? signal = null,
        TimeSpan? signalAfter = null, Func<bool>? signalWhen = null, TimeSpan? timeout = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "jano.dll");
        // Through env(1) with INT and TERM reset to their default handling: a child inherits an ignored signal across exec
        // (a test host started in the background, or one whose in-process servers installed console signal handling),
        // and the signal tests must see the CLI's own handling, not the test host's.
        var psi = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--default-signal=INT", "--default-signal=TERM", "dotnet", dll }) psi.ArgumentList.Add(arg);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["COLUMNS"] = "200";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        long peak = 0;
        bool signalled = signal is null;
        var limit = timeout ?? TimeSpan.FromSeconds(120);
        while (!p.WaitForExit(5))
        {
            peak = Math.Max(peak, ResidentBytes(p.Id));
            if (!signalled && (signalAfter is { } after && clock.Elapsed >= after || signalWhen is not null && signalWhen()))
            {
                foreach (var one in signal!.Split(','))
                {
                    Send(one, p.Id);
                    Thread.Sleep(50);
                }
                signalled = true;
            }
            if (clock.Elapsed > limit)
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException($"jano {string.Join(" ", args)} did not finish in {limit.TotalSeconds} s");
            }
        }
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result, peak, clock.Elapsed);
    }

    /// <summary>Sends a signal with kill(1) (no P/Invoke needed).</summary>
    public static void Send(string signal, int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    private static long ResidentBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            // the process just exited
        }
        return 0;
    }
}
