using System.ComponentModel;
using Jano.Core;
using Jano.Engine.Bench;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Jano.Engine.Pipelines.Flux;
using Jano.Engine.Pipelines.Wan;
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
        [CommandOption("--model <NAME>")][Description("Model name (see `jano models`) or a checkpoint folder.")][DefaultValue(ModelCatalog.DefaultModel)]
        public string Model { get; init; } = ModelCatalog.DefaultModel;
        [CommandOption("--methods <LIST>")][Description("Comma-separated methods (default: jano,jano+teacache,jano-target,teacache,magcache,easycache,pab,toca,ras).")]
        public string? Methods { get; init; }
        [CommandOption("--prompts <N>")][Description("Prompts, spread over the model's sample prompts (the classes of the Fashion-MNIST models).")][DefaultValue(10)]
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
        [CommandOption("--timing-only")][Description("Wan and FLUX.1 models: time one forward per Jano level (full, L3, L2, L1) instead of benchmarking; needs --random-weights and --level-fractions.")]
        public bool TimingOnly { get; init; }
        [CommandOption("--random-weights")][Description("With --timing-only: seeded random weights (no checkpoint needed).")]
        public bool RandomWeights { get; init; }
        [CommandOption("--level-fractions <S,M,A>")][Description("With --timing-only: fractions of static, medium and active tokens (sum 1).")]
        public string? LevelFractions { get; init; }
        [CommandOption("--latent <CxTxHxW>")][Description("With --timing-only: latent shape (default: the model's size and frames).")]
        public string? Latent { get; init; }
        [CommandOption("--forwards <N>")][Description("With --timing-only: timed forwards per level (at least 3).")][DefaultValue(3)]
        public int Forwards { get; init; } = 3;
        [CommandOption("--dtype <T>")][Description("With --timing-only: float32 or bfloat16.")][DefaultValue("float32")]
        public string DType { get; init; } = "float32";
        [CommandOption("--double-blocks <N>")][Description("With --timing-only on FLUX.1: double-stream blocks to build (the model has 19).")][DefaultValue(1)]
        public int DoubleBlocks { get; init; } = 1;
        [CommandOption("--single-blocks <N>")][Description("With --timing-only on FLUX.1: single-stream blocks to build (the model has 38).")][DefaultValue(2)]
        public int SingleBlocks { get; init; } = 2;
        [CommandOption("--text-tokens <N>")][Description("With --timing-only on FLUX.1: text tokens (default: the model's T5 length, 512 for dev).")]
        public int? TextTokens { get; init; }
        [CommandOption("--resume")][Description("Keep bench.jsonl and skip finished (method, setting, prompt, seed) runs; with --timing-only on FLUX.1, keep the levels timing.partial.json holds.")]
        public bool Resume { get; init; }
        [CommandOption("--off-pairs <N>")][Description("Time every method's off setting on the first N prompt/seed pairs (--quick: at most 1).")][DefaultValue(2)]
        public int OffPairs { get; init; } = 2;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.TimingOnly) return Timing(s, cancellationToken);
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
            OffPairs = s.OffPairs,
        };
        var records = BenchJob.Execute(options, new ModelCatalog(CliApp.AssetsRoot), line => Console.Out.WriteLine(line), cancellationToken);
        AnsiConsole.MarkupLine($"{records.Count} records; wrote {string.Join(", ", BenchJob.Files)} to {Markup.Escape(Path.GetFullPath(s.Out))}");
        return 0;
    }

    private static int Timing(Settings s, CancellationToken cancellationToken)
    {
        if (!s.RandomWeights) throw new UsageException("--timing-only needs --random-weights (no checkpoint is loaded)");
        if (s.LevelFractions is null) throw new UsageException("--timing-only needs --level-fractions s,m,a");
        var flux = ModelCatalog.Entries.OfType<FluxModelEntry>().FirstOrDefault(f => string.Equals(f.Name, s.Model, StringComparison.OrdinalIgnoreCase));
        if (flux is not null) return FluxTiming(s, flux, cancellationToken);
        var wan = ModelCatalog.Entries.OfType<WanModelEntry>().ToArray();
        var spec = wan.FirstOrDefault(w => string.Equals(w.Name, s.Model, StringComparison.OrdinalIgnoreCase))
                   ?? throw new UsageException($"--timing-only takes a Wan or FLUX.1 model: {string.Join(", ", wan.Select(w => w.Name).Concat(ModelCatalog.Entries.OfType<FluxModelEntry>().Select(f => f.Name)))}");
        long[] latent = ParseLatent(s.Latent) ?? WanPipeline.LatentShape(spec.Config, spec.Defaults.Width, spec.Defaults.Height, spec.Defaults.Frames);
        RuntimeSettings.ApplyThreads(s.Threads);
        var report = WanTimingJob.Run(new WanTimingOptions
        {
            Model = spec.Name,
            Config = spec.Config,
            LatentShape = latent,
            LevelFractions = WanTimingJob.ParseFractions(s.LevelFractions),
            Forwards = s.Forwards,
            DType = RuntimeSettings.ParseDType(s.DType),
            OutDir = s.Out,
        }, line => Console.Out.WriteLine(line), cancellationToken);
        foreach (var (level, rel) in report.Relative)
            Console.Out.WriteLine($"{level}: {report.Median[level]:F3} s = {rel:F3} of a full forward ({report.Rows[level]} of {report.Tokens} rows)");
        Console.Out.WriteLine($"50-step schedule (10 full / 7 L3 / 7 L2 / 26 L1): {report.ScheduleRatio:F3} of 50 full steps, speedup {report.ScheduleSpeedup:F2}x");
        AnsiConsole.MarkupLine($"wrote timing.json to {Markup.Escape(Path.GetFullPath(s.Out))}");
        return 0;
    }

    private static long[]? ParseLatent(string? text)
    {
        if (text is null) return null;
        var parts = text.Split('x');
        if (parts.Length != 4 || parts.Any(p => !long.TryParse(p, out var v) || v < 1))
            throw new UsageException($"--latent '{text}' must be CxTxHxW with positive integers, e.g. 16x7x24x32");
        return parts.Select(long.Parse).ToArray();
    }

    // FLUX.1 at the catalog's width, truncated to --double-blocks / --single-blocks; latent of the model's default size.
    private static int FluxTiming(Settings s, FluxModelEntry spec, CancellationToken cancellationToken)
    {
        long[] latent = ParseLatent(s.Latent) ?? [spec.Config.LatentChannels, 1, spec.Defaults.Height / 8, spec.Defaults.Width / 8];
        RuntimeSettings.ApplyThreads(s.Threads);
        var report = FluxTimingJob.Run(new FluxTimingOptions
        {
            Model = spec.Name,
            Config = spec.Config,
            DoubleBlocks = s.DoubleBlocks,
            SingleBlocks = s.SingleBlocks,
            LatentShape = latent,
            TextTokens = s.TextTokens,
            LevelFractions = WanTimingJob.ParseFractions(s.LevelFractions!),
            Forwards = s.Forwards,
            DType = RuntimeSettings.ParseDType(s.DType),
            Resume = s.Resume,
            OutDir = s.Out,
        }, line => Console.Out.WriteLine(line), cancellationToken);
        foreach (var (level, rel) in report.Relative)
            Console.Out.WriteLine($"{level}: {report.Median[level]:F3} s = {rel:F3} of a full forward ({report.Rows[level]} of {report.ImageTokens} image rows + {report.TextTokens} text rows)");
        var sched = report.Schedule;
        Console.Out.WriteLine($"50-step schedule ({sched["full"]} full / {sched["L3"]} L3 / {sched["L2"]} L2 / {sched["L1"]} L1): {report.ScheduleRatio:F3} of 50 full steps, speedup {report.ScheduleSpeedup:F2}x");
        AnsiConsole.MarkupLine($"wrote timing.json to {Markup.Escape(Path.GetFullPath(s.Out))}");
        return 0;
    }
}
