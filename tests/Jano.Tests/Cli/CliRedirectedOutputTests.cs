using System.Diagnostics;
using Jano.Cli;
using Spectre.Console;
using Xunit;

namespace Jano.Tests.Cli;

/// <summary>Tables and long lines stay readable when stdout is a pipe (Spectre.Console assumes 80 columns there).</summary>
public sealed class CliRedirectedOutputTests
{
    // Like CliRunner.Run but without COLUMNS, as in `jano models | cat`.
    private static string RunPiped(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "jano.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("COLUMNS");
        psi.Environment.Remove("LINES");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(120_000), "jano did not finish in 120 s");
        Assert.True(p.ExitCode == 0, stderr.Result);
        return stdout.Result;
    }

    [Fact]
    public void Models_piped_prints_one_line_per_row_without_box_drawing()
    {
        var lines = RunPiped("models").Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.DoesNotContain(lines, l => l.IndexOfAny(['│', '┌', '─', '└']) >= 0);
        var header = Assert.Single(lines, l => l.StartsWith("model ", StringComparison.Ordinal));
        foreach (var column in new[] { "weights", "size", "frames", "steps", "guidance", "shift", "description" })
            Assert.Contains(column, header, StringComparison.Ordinal);
        var video = Assert.Single(lines, l => l.StartsWith("fmnist-video ", StringComparison.Ordinal) && !l.Contains(':', StringComparison.Ordinal));
        Assert.Matches(@"^fmnist-video\s+trained\s+32x32\s+8\s+30\s+3\s+1\s+euler\s+class-conditional Fashion-MNIST clips, 8 frames of 32x32 grey, patch 1x4x4, 512 tokens$", video);
        // Columns line up: every row's description starts where the header's does.
        int at = header.IndexOf("description", StringComparison.Ordinal);
        Assert.Equal("class-conditional", video[at..].Split(' ')[0]);
        Assert.Single(lines, l => l.StartsWith("wan2.1-t2v-14b ", StringComparison.Ordinal) && l.Contains("1280x720", StringComparison.Ordinal));
        var jano = Assert.Single(lines, l => l.StartsWith("jano ", StringComparison.Ordinal));
        Assert.Contains("complexity-aware token skipping with frozen-token K/V caches", jano, StringComparison.Ordinal);
        // Long plain lines are not wrapped at 80 columns either.
        Assert.Contains(lines, l => l.StartsWith("fmnist-video jano preset: warmup_steps=3", StringComparison.Ordinal) && l.EndsWith("d_distance=1", StringComparison.Ordinal));
    }

    [Fact]
    public void Plain_text_drops_markup_and_pads_all_but_the_last_column()
    {
        var table = new Table().AddColumns("a", "longer header");
        table.AddRow("[bold]x[/]", "first [red]value[/]");
        table.AddRow("wide cell", "second\nline");
        var text = CliOutput.PlainText(table).Replace("\r", "", StringComparison.Ordinal);
        Assert.Equal("a          longer header\nx          first value\nwide cell  second line\n", text);
    }
}
