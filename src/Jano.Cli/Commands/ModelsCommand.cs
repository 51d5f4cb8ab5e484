using Jano.Engine.Catalog;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Jano.Cli.Commands;

/// <summary><c>jano models</c>: the model and accelerator catalogs.</summary>
public sealed class ModelsCommand : Command
{
    private static string I(IFormattable v) => v.ToString(null, System.Globalization.CultureInfo.InvariantCulture);

    public override int Execute(CommandContext context, CancellationToken cancellationToken)
    {
        var catalog = new ModelCatalog(CliApp.AssetsRoot);
        var entries = ModelCatalog.Entries.Select(catalog.Bind).ToList();
        var table = new Table().AddColumns("model", "weights", "size", "frames", "steps", "guidance", "shift", "sampler", "description");
        foreach (var e in entries)
        {
            var d = e.Defaults;
            table.AddRow(Markup.Escape(e.Name), Markup.Escape(e.WeightsStatus), $"{d.Width}x{d.Height}", I(d.Frames), I(d.Steps), I(d.Guidance), I(d.Shift),
                d.Sampler, Markup.Escape(e.Description));
        }
        CliOutput.Write(table);
        AnsiConsole.MarkupLine("prompts: " + Markup.Escape(string.Join(", ", FashionMnistClasses.Names)) + " (Fashion-MNIST models, case-insensitive; t-shirt and top accepted); Wan2.1: free text");
        var accels = new Table().AddColumns("accelerator", "description");
        foreach (var n in AcceleratorCatalog.Names) accels.AddRow(n, Markup.Escape(AcceleratorCatalog.Describe(n)));
        CliOutput.Write(accels);
        foreach (var e in entries)
        {
            AnsiConsole.MarkupLine($"{Markup.Escape(e.Name)} jano preset: " + Markup.Escape(e.JanoPreset));
            var calibration = e.LoadCalibration();
            AnsiConsole.MarkupLine(Markup.Escape(calibration is not null
                ? $"{e.Name} calibration: {e.CalibrationPath} ({string.Join(", ", calibration.Options.Keys)}; {calibration.Steps} steps, {calibration.Threads} thread(s))"
                : e.HasWeights
                    ? $"{e.Name} calibration: none (TeaCache/MagCache use their identity defaults; run `jano calibrate --model {e.Name}`)"
                    : $"{e.Name} calibration: none; weights: bring your own (--model PATH), `jano calibrate --model PATH` writes PATH/calibration.json"));
        }
        return 0;
    }
}
