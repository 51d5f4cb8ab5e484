using System.ComponentModel;
using Jano.Engine.Bench;
using Jano.Engine.Catalog;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Jano.Cli.Commands;

/// <summary><c>jano bench</c>: full compute vs every method and setting, interleaved per prompt and seed.</summary>
public sealed class BenchCommand : Command<BenchCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--quick")][Description("2 prompts x 1 seed at half the model's steps (at least 10).")]
        public bool Quick { get; init; }
        [CommandOption("--model <NAME>")][Description("Model name (see `jano models`).")][DefaultValue(ModelCatalog.DefaultModel)]
        public string Model { get; init; } = ModelCatalog.DefaultModel;
        [CommandOption("--methods <LIST>")][Description("Comma-separated methods (default: jano,teacache,magcache,easycache,pab,toca,ras).")]
        public string? Methods { get; init; }
        [CommandOption("--prompts <N>")][DefaultValue(10)]
        public int Prompts { get; init; } = 10;
        [CommandOption("--seeds <N>")][DefaultValue(2)]
        public int Seeds { get; init; } = 2;
        [CommandOption("--repeats <N>")][Description("Timed repeats per run (latency samples).")][DefaultValue(1)]
        public int Repeats { get; init; } = 1;
        [CommandOption("--steps <N>")][Description("Denoising steps (default: the model's; --quick: half).")]
        public int? Steps { get; init; }
        [CommandOption("--threads <N>")][Description("Intra-op CPU threads (recorded).")]
        public int? Threads { get; init; }
        [CommandOption("--out <DIR>")][DefaultValue("bench")]
        public string Out { get; init; } = "bench";
        [CommandOption("--resume")][Description("Keep bench.jsonl and skip finished (method, setting, prompt, seed) runs.")]
        public bool Resume { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var options = new BenchOptions
        {
            Model = s.Model,
            Methods = s.Methods?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Prompts = s.Prompts,
            Seeds = s.Seeds,
            Repeats = s.Repeats,
            Steps = s.Steps,
            Threads = s.Threads,
            OutDir = s.Out,
            Resume = s.Resume,
            Quick = s.Quick,
        };
        var records = BenchJob.Execute(options, new ModelCatalog(CliApp.AssetsRoot), line => Console.Out.WriteLine(line), cancellationToken);
        AnsiConsole.MarkupLine($"{records.Count} records; wrote {string.Join(", ", BenchJob.Files)} to {Markup.Escape(Path.GetFullPath(s.Out))}");
        return 0;
    }
}
