using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace Jano.Tests.Serve;

/// <summary>Finds the system tools the scale-out and browser tests need (installed by <c>scripts/setup.sh</c>). Under CI
/// (<c>CI=true</c>) a missing tool fails the test; elsewhere the test says so in its output and ends early.</summary>
internal static class ServeTools
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The repository's <c>TestResults/</c> folder (created), where the serve tests leave screenshots and figures.</summary>
    public static string Results
    {
        get
        {
            var root = typeof(ServeTools).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;
            var dir = Path.Combine(root, "TestResults");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    /// <summary>The path of the first existing candidate, or null (throwing under CI).</summary>
    public static string? Require(string what, params string[] candidates)
    {
        var found = candidates.FirstOrDefault(File.Exists);
        if (found is null && InCi) throw new InvalidOperationException($"{what} is missing (scripts/setup.sh installs it); looked for {string.Join(", ", candidates)}");
        return found;
    }

    /// <summary>PostgreSQL's server binaries folder (<c>/usr/lib/postgresql/N/bin</c>), newest first.</summary>
    public static string? PostgresBin()
    {
        var dirs = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin", "initdb")).ToArray()
            : [];
        return Require("PostgreSQL (initdb)", dirs.Length == 0 ? ["/usr/lib/postgresql/15/bin/initdb"] : dirs) is { } initdb ? Path.GetDirectoryName(initdb) : null;
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Runs a tool to completion (as the <c>postgres</c> user via runuser when this process is root) and returns its output.</summary>
    public static string Run(string file, bool asPostgres, params string[] args)
    {
        bool root = Environment.UserName == "root";
        var psi = new ProcessStartInfo(asPostgres && root ? "runuser" : file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asPostgres && root)
        {
            foreach (var a in new[] { "-u", "postgres", "--", file }) psi.ArgumentList.Add(a);
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException($"{file} did not finish in 120 s"); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Result}{stdout.Result}");
        return stdout.Result;
    }
}
