using System.ComponentModel;
using System.Globalization;
using Jano.Engine.Calibration;
using Jano.Engine.Catalog;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Jano.Cli.Commands;

/// <summary><c>jano calibrate</c>: fits what the step caches and Jano's targets need for one model and stores it beside its weights.</summary>
public sealed class CalibrateCommand : Command<CalibrateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--model <NAME>")][Description("Model name (see `jano models`) or a checkpoint folder.")][DefaultValue(ModelCatalog.DefaultModel)]
        public string Model { get; init; } = ModelCatalog.DefaultModel;
        [CommandOption("--prompts <N>")][Description("Prompts for the step-cache signals (spread evenly over the model's sample prompts).")][DefaultValue(10)]
        public int Prompts { get; init; } = 10;
        [CommandOption("--jano-prompts <N>")][Description("Of those, prompts for Jano's table.")][DefaultValue(4)]
        public int JanoPrompts { get; init; } = 4;
        [CommandOption("--seeds <N>")][Description("Calibration seeds per prompt (from 9000; the bench uses 42, 43, ...).")][DefaultValue(1)]
        public int Seeds { get; init; } = 1;
        [CommandOption("--steps <N>")][Description("Denoising steps (default: the model's).")]
        public int? Steps { get; init; }
        [CommandOption("--threads <N>")][Description("Intra-op CPU threads (recorded).")]
        public int? Threads { get; init; }
        [CommandOption("--out <FILE>")][Description("Output file (default: calibration.json beside the model's weights or in its checkpoint folder).")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var entry = new ModelCatalog(CliApp.AssetsRoot).Resolve(s.Model);
        var options = new CalibrateOptions
        {
            Entry = entry, Prompts = s.Prompts, JanoPrompts = s.JanoPrompts, Seeds = s.Seeds, Steps = s.Steps, Threads = s.Threads, OutFile = s.Out,
        };
        var c = CalibrateJob.Execute(options, new ModelCatalog(CliApp.AssetsRoot), line => Console.Out.WriteLine(line), cancellationToken);
        var table = new Table().AddColumn("method").AddColumn("calibrated options");
        foreach (var (method, text) in c.Options) table.AddRow(Markup.Escape(method), Markup.Escape(text));
        CliOutput.Write(table);
        var jano = new Table().AddColumns("static/medium", "skipped", "PSNR (dB)", "L1 cost", "L1 share", "L2 cost", "L2 share");
        foreach (var r in c.JanoRows)
            jano.AddRow(string.Create(CultureInfo.InvariantCulture, $"{r.StaticThresh}/{r.MediumThresh}"), F(r.Skipped), F(r.Psnr), F(r.L1Cost), F(r.L1Share), F(r.L2Cost), F(r.L2Share));
        CliOutput.Write(jano);
        AnsiConsole.MarkupLine(Markup.Escape($"threads {c.Threads}; wrote {Path.GetFullPath(s.Out ?? entry.CalibrationPath)}"));
        return 0;
    }

    private static string F(double d) => d.ToString("F3", CultureInfo.InvariantCulture);
}
