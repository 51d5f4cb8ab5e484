using Xunit;

namespace Jano.Tests.Cli;

/// <summary>Every command's <c>--help</c> renders: an option description with unescaped square brackets is read as
/// console markup and turned `jano analyze --help` into an internal error.</summary>
public sealed class CliHelpTests
{
    private static readonly string[] Known =
        ["generate", "bench", "calibrate", "models", "train", "train-autoencoder", "train-scenes", "train-classifier", "eval",
         "inspect", "serve", "worker", "analyze"];

    public static TheoryData<string> Commands() => new(Known);

    [Fact]
    public void The_root_help_lists_exactly_the_commands_tested_here()
    {
        var root = CliRunner.Run("--help");
        Assert.Equal(0, root.ExitCode);
        var listed = root.Stdout.Split('\n')
            .SkipWhile(l => !l.StartsWith("COMMANDS:", StringComparison.Ordinal)).Skip(1)
            .Select(l => l.Trim()).Where(l => l.Length > 0)
            .Select(l => l.Split(' ')[0]).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Known.Order(StringComparer.Ordinal).ToArray(), listed);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Each_command_prints_its_help(string command)
    {
        var r = CliRunner.Run(command, "--help");
        Assert.True(r.ExitCode == 0, $"jano {command} --help exited {r.ExitCode}: {r.LastErrorLine}");
        Assert.Contains("USAGE:", r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("error", r.Stderr, StringComparison.OrdinalIgnoreCase);
    }
}
