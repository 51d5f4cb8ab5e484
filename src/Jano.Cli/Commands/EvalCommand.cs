using System.ComponentModel;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Jano.Cli.Commands;

/// <summary><c>jano eval</c>: evidence that a model generates what is asked, with full compute and with Jano.</summary>
public sealed class EvalCommand : Command<EvalCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--model <NAME>")][Description("Model name (see `jano models`).")][DefaultValue(ModelCatalog.DefaultModel)]
        public string Model { get; init; } = ModelCatalog.DefaultModel;
        [CommandOption("--samples <N>")][Description("Samples per class (default: 20 images or 5 clips).")]
        public int? Samples { get; init; }
        [CommandOption("--steps <N>")][Description("Denoising steps (default: the model's; for quick checks and the sweep that fixes them).")]
        public int? Steps { get; init; }
        [CommandOption("--guidance <G>")][Description("Guidance scale (default: the model's).")]
        public double? Guidance { get; init; }
        [CommandOption("--shift <S>")][Description("Sampling shift (default: the model's).")]
        public double? Shift { get; init; }
        [CommandOption("--full-only")][Description("Full compute only, no Jano run: for fixing a model's steps, shift and guidance before any accelerator runs on it.")]
        public bool FullOnly { get; init; }
        [CommandOption("--ceiling-clips <N>")][Description("Video models: real held-out clips per class on which the frame classifier's ceiling is measured.")][DefaultValue(100)]
        public int CeilingClips { get; init; } = 100;
        [CommandOption("--threads <N>")][Description("Intra-op CPU threads.")]
        public int? Threads { get; init; }
        [CommandOption("--out <DIR>")][Description("Output folder (default: out/eval-MODEL).")]
        public string? Out { get; init; }
        [CommandOption("--data <DIR>")][Description("Fashion-MNIST folder (the t10k split is read).")][DefaultValue(Jano.Training.FashionMnist.DefaultDirectory)]
        public string Data { get; init; } = Jano.Training.FashionMnist.DefaultDirectory;
        [CommandOption("--classifier <FILE>")][Description("Classifier weights (default: the model's file under assets/classifiers).")]
        public string? Classifier { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var catalog = new ModelCatalog(CliApp.AssetsRoot);
        var entry = catalog.Resolve(s.Model);
        var options = new EvalOptions
        {
            Model = s.Model,
            Samples = s.Samples,
            Steps = s.Steps,
            Guidance = s.Guidance,
            Shift = s.Shift,
            Threads = s.Threads,
            OutDir = s.Out ?? Path.Combine("out", "eval-" + entry.Name),
            DataDirectory = s.Data,
            ClassifierPath = s.Classifier,
            FullOnly = s.FullOnly,
            CeilingClipsPerClass = s.CeilingClips,
        };
        using var job = EvalJob.Prepare(options, catalog);
        AnsiConsole.MarkupLine($"eval [bold]{Markup.Escape(entry.Name)}[/] ({Markup.Escape(job.Pipeline.WeightsSource)}): {job.SamplesPerClass} per class, " +
                               $"{job.Settings.Steps} steps, guidance {job.Settings.Guidance}, shift {job.Settings.Shift}, {(s.FullOnly ? "full compute only" : "full vs jano")}");
        var report = job.Run((phase, done, total) =>
        {
            if (phase == "generate") Console.WriteLine($"generated class {done}/{total}");
        }, cancellationToken);
        foreach (var line in report.SummaryLines()) Console.WriteLine(line);
        Console.WriteLine($"took {report.Seconds:F0} s; wrote {string.Join(", ", report.Files)} to {Path.GetFullPath(options.OutDir)}");
        return 0;
    }
}
