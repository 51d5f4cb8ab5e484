using System.Globalization;
using Jano.Engine.Catalog;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Jano.Cli.Commands;

/// <summary><c>jano models</c>: the model and accelerator catalogs.</summary>
public sealed class ModelsCommand : Command
{
    public override int Execute(CommandContext context, CancellationToken cancellationToken)
    {
        var catalog = new ModelCatalog(CliApp.AssetsRoot);
        var table = new Table().AddColumns("model", "weights", "size", "frames", "steps", "guidance", "shift", "description");
        foreach (var s in ModelCatalog.Specs)
        {
            table.AddRow(s.Name, catalog.HasWeights(s) ? "trained" : "random (seeded)", $"{s.Width}x{s.Height}", s.Frames.ToString(CultureInfo.InvariantCulture),
                s.Steps.ToString(CultureInfo.InvariantCulture), s.Guidance.ToString(CultureInfo.InvariantCulture), s.Shift.ToString(CultureInfo.InvariantCulture), Markup.Escape(s.Description));
        }
        foreach (var w in ModelCatalog.WanSpecs)
        {
            table.AddRow(w.Name, "bring your own (--model PATH)", $"{w.Width}x{w.Height}", w.Frames.ToString(CultureInfo.InvariantCulture),
                w.Steps.ToString(CultureInfo.InvariantCulture), w.Guidance.ToString(CultureInfo.InvariantCulture), w.Shift.ToString(CultureInfo.InvariantCulture), Markup.Escape(w.Description));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("prompts: " + Markup.Escape(string.Join(", ", FashionMnistClasses.Names)) + " (case-insensitive; t-shirt and top accepted)");
        var accels = new Table().AddColumns("accelerator", "description");
        foreach (var n in AcceleratorCatalog.Names) accels.AddRow(n, Markup.Escape(AcceleratorCatalog.Describe(n)));
        AnsiConsole.Write(accels);
        foreach (var s in ModelCatalog.Specs)
        {
            AnsiConsole.MarkupLine($"{s.Name} jano preset: " + Markup.Escape(s.JanoPreset));
            var calibration = File.Exists(catalog.CalibrationPath(s)) ? catalog.Calibration(s) : null;
            AnsiConsole.MarkupLine(Markup.Escape(calibration is null
                ? $"{s.Name} calibration: none (TeaCache/MagCache use their identity defaults; run `jano calibrate --model {s.Name}`)"
                : $"{s.Name} calibration: {catalog.CalibrationPath(s)} ({string.Join(", ", calibration.Options.Keys)}; {calibration.Steps} steps, {calibration.Threads} thread(s))"));
        }
        foreach (var w in ModelCatalog.WanSpecs)
            AnsiConsole.MarkupLine($"{w.Name} jano preset: " + Markup.Escape(w.JanoPreset) + "; weights: bring your own (--model PATH)");
        return 0;
    }
}
