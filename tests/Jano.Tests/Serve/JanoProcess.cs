using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Jano.Tests.Serve;

/// <summary>A <c>jano</c> child process (the CLI copied next to the tests) whose output the test reads line by line and to
/// which it sends POSIX signals.</summary>
internal sealed class JanoProcess : IDisposable
{
    public const int SigKill = 9, SigTerm = 15, SigCont = 18, SigStop = 19;

    private readonly Process _process;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();

    private JanoProcess(Process process)
    {
        _process = process;
    }

    public static JanoProcess Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "jano.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = new Process { StartInfo = psi };
        var jp = new JanoProcess(p);
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (jp._out) jp._out.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (jp._err) jp._err.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return jp;
    }

    public int Pid => _process.Id;

    public string Stdout { get { lock (_out) return _out.ToString(); } }

    public string Stderr { get { lock (_err) return _err.ToString(); } }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits for a stdout line containing <paramref name="text"/> and returns it.</summary>
    public async Task<string> WaitForStdout(string text, int seconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            var line = Stdout.Split('\n').FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (line is not null) return line.Trim();
            if (_process.HasExited) throw new InvalidOperationException($"jano exited ({_process.ExitCode}) before printing '{text}': {Stderr}");
            await Task.Delay(50);
        }
        throw new TimeoutException($"no '{text}' on stdout in {seconds} s; stderr: {Stderr}");
    }

    /// <summary>Waits until stderr contains <paramref name="text"/>.</summary>
    public async Task WaitForStderr(string text, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!Stderr.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no '{text}' on stderr in {seconds} s: {Stderr}");
            await Task.Delay(50);
        }
    }

    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed");
    }

    public bool WaitForExit(int seconds) => _process.WaitForExit(TimeSpan.FromSeconds(seconds));

    [DllImport("libc", EntryPoint = "kill")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Signal(SigCont);
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }
}
