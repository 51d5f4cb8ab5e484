using System.ComponentModel;
using System.Globalization;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Jano.Cli.Commands;

/// <summary><c>jano generate</c>.</summary>
public sealed class GenerateCommand : Command<GenerateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--prompt <TEXT>")][Description("What to generate (for the Fashion-MNIST models: a class name).")]
        public string? Prompt { get; init; }
        [CommandOption("--model <NAME>")][Description("Model name (see `jano models`) or a Wan2.1-T2V checkpoint folder.")][DefaultValue(ModelCatalog.DefaultModel)]
        public string Model { get; init; } = ModelCatalog.DefaultModel;
        [CommandOption("--accel <NAME>")][Description("Accelerator: none, jano, teacache, magcache, easycache, pab, toca or ras.")][DefaultValue("none")]
        public string Accel { get; init; } = "none";
        [CommandOption("--accel-option <KV>")][Description("Accelerator options k=v,... (e.g. static_thresh=0.3,analyze_block_size=2x4x4); may repeat.")]
        public string[] AccelOption { get; init; } = [];
        [CommandOption("--steps <N>")][Description("Denoising steps (default: the model's).")]
        public int? Steps { get; init; }
        [CommandOption("--seed <N>")][DefaultValue(42L)]
        public long Seed { get; init; } = 42;
        [CommandOption("--guidance <G>")][Description("Classifier-free guidance scale (1 = off; default: the model's).")]
        public double? Guidance { get; init; }
        [CommandOption("--shift <S>")][Description("Timestep shift (default: the model's).")]
        public double? Shift { get; init; }
        [CommandOption("--size <WxH>")][Description("Output size in pixels (default: the model's).")]
        public string? Size { get; init; }
        [CommandOption("--frames <N>")][Description("Frames (video models; default: the model's).")]
        public int? Frames { get; init; }
        [CommandOption("--negative-prompt <TEXT>")]
        public string? NegativePrompt { get; init; }
        [CommandOption("--threads <N>")][Description("Intra-op CPU threads (recorded in the report).")]
        public int? Threads { get; init; }
        [CommandOption("--repeats <N>")][Description("Timed runs; latencies are medians.")][DefaultValue(1)]
        public int Repeats { get; init; } = 1;
        [CommandOption("--compare")][Description("Also run full compute (after an untimed warm-up, alternating) and report speedup, PSNR and SSIM.")]
        public bool Compare { get; init; }
        [CommandOption("--out <DIR>")][Description("Output folder.")][DefaultValue("out")]
        public string Out { get; init; } = "out";
        [CommandOption("--device <DEV>")][Description("cpu or cuda.")][DefaultValue("cpu")]
        public string Device { get; init; } = "cpu";
        [CommandOption("--dtype <T>")][Description("float32 or bfloat16 (default: float32; bfloat16 for a Wan2.1 folder).")]
        public string? DType { get; init; }

        [CommandOption("--sampler <NAME>")][Description("Wan2.1 folders: unipc (default) or euler.")]
        public string? Sampler { get; init; }
        [CommandOption("--sequential-branches")][Description("Run cond and uncond as two forwards instead of one batch of 2.")]
        public bool SequentialBranches { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Prompt) ? ValidationResult.Error("--prompt is required") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var options = new GenerateOptions
        {
            Prompt = s.Prompt!,
            Model = s.Model,
            Accel = s.Accel,
            AccelOptions = s.AccelOption.Length == 0 ? null : string.Join(",", s.AccelOption),
            Steps = s.Steps,
            Seed = s.Seed,
            Guidance = s.Guidance,
            Shift = s.Shift,
            Size = s.Size is null ? null : ParseSize(s.Size),
            Frames = s.Frames,
            NegativePrompt = s.NegativePrompt,
            Threads = s.Threads,
            Repeats = s.Repeats,
            Compare = s.Compare,
            OutDir = s.Out,
            Device = s.Device,
            DType = s.DType,
            Sampler = s.Sampler,
            BatchBranches = !s.SequentialBranches,
        };
        using var job = GenerateJob.Prepare(options, new ModelCatalog(CliApp.AssetsRoot));
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(job.ModelName)}[/] ({Markup.Escape(job.WeightsSource)}), prompt [bold]{Markup.Escape(options.Prompt)}[/], " +
                               $"{job.Request.Steps} steps, guidance {job.Request.Guidance}, seed {options.Seed}, accel [bold]{job.Accelerator.Name}[/]");
        if (job.Accelerator.Options.Count > 0)
            AnsiConsole.MarkupLine("options: " + Markup.Escape(string.Join(",", job.Accelerator.Options.Select(kv => $"{kv.Key}={kv.Value}"))));

        GenerationReport report;
        if (CliApp.Interactive)
        {
            GenerationReport? r = null;
            AnsiConsole.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(ctx =>
                {
                    var tasks = new Dictionary<string, ProgressTask>();
                    r = job.Run((phase, i, n) =>
                    {
                        if (!tasks.TryGetValue(phase, out var t)) tasks[phase] = t = ctx.AddTask(phase, maxValue: n);
                        t.Value = i;
                    }, cancellationToken);
                });
            report = r!;
        }
        else
        {
            report = job.Run(null, cancellationToken);
        }
        Print(report, options.OutDir);
        return 0;
    }

    private static readonly string[] LevelNames = ["static", "moderate", "active"];

    private static void Print(GenerationReport r, string outDir)
    {
        var table = new Table().AddColumn("metric").AddColumn("value");
        table.AddRow("latency (s)", r.LatencySeconds.ToString("F3", CultureInfo.InvariantCulture));
        if (r.BaselineLatencySeconds is { } b)
        {
            table.AddRow("baseline latency (s)", b.ToString("F3", CultureInfo.InvariantCulture));
            table.AddRow("speedup", $"{r.Speedup:F2}x");
            table.AddRow("PSNR (dB)", r.Identical == true ? "identical" : $"{r.Psnr:F2}");
            table.AddRow("SSIM", $"{r.Ssim:F4}");
        }
        table.AddRow("computed token fraction", r.ComputedTokenFraction.ToString("F3", CultureInfo.InvariantCulture));
        if (r.LevelFractions is { } lf)
            table.AddRow("levels static/moderate/active", string.Join(" / ", LevelNames.Select(k => lf.GetValueOrDefault(k).ToString("F2", CultureInfo.InvariantCulture))));
        foreach (var (level, secs) in r.TimePerLevel.OrderBy(kv => kv.Key))
        {
            var rel = r.RelativeStepTime is { } rt && rt.TryGetValue(level, out var x) ? $" ({x:F2} of a full step)" : "";
            table.AddRow($"median step {level} (ms)", (secs * 1000).ToString("F1", CultureInfo.InvariantCulture) + rel);
        }
        table.AddRow("threads", r.Threads.ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        foreach (var note in r.Notes) AnsiConsole.MarkupLine($"[yellow]note:[/] {Markup.Escape(note)}");
        AnsiConsole.MarkupLine($"wrote {r.Files.Count} files to {Markup.Escape(Path.GetFullPath(outDir))}");
    }

    public static (int W, int H) ParseSize(string text)
    {
        var parts = text.ToLowerInvariant().Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var w) &&
            int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var h) && w > 0 && h > 0)
            return (w, h);
        throw new ArgumentException($"invalid --size '{text}': expected WxH like 32x32");
    }
}
