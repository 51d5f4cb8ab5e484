using System.ComponentModel;
using Jano.Core;
using Jano.Engine.Jobs;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Jano.Cli.Commands;

/// <summary><c>jano inspect PATH</c>: what a Wan2.1 or FLUX.1 checkpoint folder holds and what is missing. Exit code 0 when
/// complete, 1 when something is missing or invalid (one line on stderr names it).</summary>
public sealed class InspectCommand : Command<InspectCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<PATH>")][Description("A Wan2.1-T2V or FLUX.1 folder (official or Diffusers layout).")]
        public string Path { get; init; } = "";
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var report = InspectJob.Run(s.Path);
        var table = new Table().AddColumns("component", "status", "detail");
        foreach (var item in report.Items)
            table.AddRow(Markup.Escape(ErrorText.Escape(item.Name)), Markup.Escape(item.Status), Markup.Escape(ErrorText.Escape(item.Detail)));
        CliOutput.Write(table);
        if (report.Complete)
        {
            AnsiConsole.WriteLine(ErrorText.OneLine(report.Summary));
            return 0;
        }
        Console.Error.WriteLine($"jano: error: {ErrorText.OneLine(report.Summary)}");
        return 1;
    }
}
