using System.ComponentModel;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Jano.Cli.Commands;

/// <summary><c>jano analyze</c>.</summary>
public sealed class AnalyzeCommand : Command<AnalyzeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--features <FILE>")][Description("A .safetensors file with features [[n, C, T, H, W]] (fp32, bf16 or fp16).")]
        public string? Features { get; init; }
        [CommandOption("--tensor <NAME>")][Description("Which tensor of the file (needed when it holds several).")]
        public string? Tensor { get; init; }
        [CommandOption("--model <NAME>")][Description("Run the paper's Section-3 study on this model (catalog name or checkpoint folder) instead.")]
        public string? Model { get; init; }
        [CommandOption("--accel-option <KV>")][Description("Analyzer options k=v,... (analyze_block_size, t_weight, d_strength, d_distance, enhance, static_thresh, medium_thresh).")]
        public string[] AccelOption { get; init; } = [];
        [CommandOption("--samples <N>")][Description("Section-3 study: generations per prompt.")][DefaultValue(2)]
        public int Samples { get; init; } = 2;
        [CommandOption("--prompts <N>")][Description("Section-3 study: prompts, spread over the model's sample prompts (default: all; the classes of the Fashion-MNIST models).")]
        public int? Prompts { get; init; }
        [CommandOption("--steps <N>")][Description("Section-3 study: denoising steps (default: the model's).")]
        public int? Steps { get; init; }
        [CommandOption("--threads <N>")]
        public int? Threads { get; init; }
        [CommandOption("--out <DIR>")][Description("Output folder.")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if ((Features is null) == (Model is null)) return ValidationResult.Error("give exactly one of --features FILE or --model NAME");
            if (Out is null) return ValidationResult.Error("--out DIR is required");
            if (Tensor is not null && Features is null) return ValidationResult.Error("--tensor needs --features");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var optionText = s.AccelOption.Length == 0 ? null : string.Join(",", s.AccelOption);
        if (s.Features is not null)
        {
            var r = AnalyzeFeaturesJob.Run(s.Features, s.Tensor, optionText, s.Out!);
            AnsiConsole.MarkupLine($"grid {string.Join("x", r.Grid)}, n {r.N}, lag {r.Lag}, static/moderate/active " +
                                   $"{r.LevelFractions["static"]:F2}/{r.LevelFractions["moderate"]:F2}/{r.LevelFractions["active"]:F2}" +
                                   (r.Degenerate ? " (degenerate score: full compute)" : ""));
            AnsiConsole.MarkupLine($"wrote scores.safetensors, levels.png, analysis.json to {Markup.Escape(Path.GetFullPath(s.Out!))}");
            return 0;
        }
        var study = StudyJob.Run(new StudyOptions
        {
            Model = s.Model!, AnalyzerOptions = optionText, Prompts = s.Prompts, SamplesPerPrompt = s.Samples, Steps = s.Steps, Threads = s.Threads, OutDir = s.Out!,
        }, new ModelCatalog(CliApp.AssetsRoot), null, cancellationToken);
        AnsiConsole.MarkupLine($"Spearman(complexity, convergence) = {study.Spearman:F3} (p {study.SpearmanP:G3}; pooled {study.SpearmanPooled:F3}) " +
                               $"over {study.Blocks} blocks x {study.Generations} generations");
        foreach (var row in study.Recognition)
            AnsiConsole.MarkupLine($"warm-up {row.WarmupSteps}: analyzer {row.AnalyzerAccuracy:F3}, FFT {row.FftAccuracy:F3}");
        if (study.StaleError is { } e)
        {
            AnsiConsole.MarkupLine($"stale-velocity error at the preset (warm-up {e.WarmupSteps}, static interval {e.StaticInterval}): " +
                                   $"Spearman with the analyzer's score {e.AnalyzerSpearman:F3} (p {e.AnalyzerSpearmanP:G3}), oracle {e.OracleSpearman:F3}, " +
                                   $"warm-up predictor {e.WarmupPredictorSpearman:F3}");
            AnsiConsole.MarkupLine($"static blocks in the lowest error tercile {e.StaticInLowestTercile:P0} (chance 33%); best decile's error " +
                                   $"{e.BestDecileErrorRatio:F2}x the mean; static error: analyzer {e.AnalyzerStaticErrorVsRandom:F2}x random, " +
                                   $"oracle {e.OracleStaticErrorVsAnalyzer:F2}x analyzer");
        }
        AnsiConsole.MarkupLine($"wrote study.json to {Markup.Escape(Path.GetFullPath(s.Out!))}");
        return 0;
    }
}
