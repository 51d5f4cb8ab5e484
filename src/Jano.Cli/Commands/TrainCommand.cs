using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Jano.Core;
using Jano.Core.IO;
using Jano.Core.Weights;
using Jano.Engine.Pipelines.Dit;
using Jano.Engine.Jobs;
using Jano.Models.Dit;
using Jano.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Jano.Cli.Commands;

/// <summary><c>jano train</c>: rectified-flow training of a catalog model on Fashion-MNIST, resumable.</summary>
public sealed class TrainCommand : Command<TrainCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--model <NAME>")][Description("fmnist-image (images) or fmnist-video (clips).")]
        public string? Model { get; init; }
        [CommandOption("--out <DIR>")][Description("Run folder: checkpoint.safetensors, loss.csv.")]
        public string? Out { get; init; }
        [CommandOption("--minutes <M>")][Description("Wall-time budget of this call.")][DefaultValue(90.0)]
        public double Minutes { get; init; } = 90;
        [CommandOption("--max-steps <N>")][Description("Stop at this total step count.")]
        public int? MaxSteps { get; init; }
        [CommandOption("--batch <N>")][DefaultValue(32)]
        public int Batch { get; init; } = 32;
        [CommandOption("--lr <LR>")][DefaultValue(3e-4)]
        public double LearningRate { get; init; } = 3e-4;
        [CommandOption("--checkpoint-minutes <M>")][DefaultValue(20.0)]
        public double CheckpointMinutes { get; init; } = 20;
        [CommandOption("--resume")][Description("Continue from the run folder's checkpoint.")]
        public bool Resume { get; init; }
        [CommandOption("--init <FILE>")][Description("Start from these weights (e.g. the image model for the video model).")]
        public string? Init { get; init; }
        [CommandOption("--export <FILE>")][Description("Write the EMA weights here at the end (plus config.json beside it).")]
        public string? Export { get; init; }
        [CommandOption("--export-source <WHICH>")][Description("ema (default) or model (the raw weights).")][DefaultValue("ema")]
        public string ExportSource { get; init; } = "ema";
        [CommandOption("--data <DIR>")][DefaultValue(FashionMnist.DefaultDirectory)]
        public string Data { get; init; } = FashionMnist.DefaultDirectory;
        [CommandOption("--seed <N>")][DefaultValue(1L)]
        public long Seed { get; init; } = 1;
        [CommandOption("--threads <N>")]
        public int? Threads { get; init; }

        public override ValidationResult Validate()
        {
            if (Model is null) return ValidationResult.Error("--model is required");
            if (Out is null) return ValidationResult.Error("--out is required");
            if (!(Minutes >= 0)) return ValidationResult.Error("--minutes must not be negative");
            if (ExportSource is not ("ema" or "model")) return ValidationResult.Error("--export-source must be ema or model");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var spec = DitModelEntry.Find(s.Model!);
        RuntimeSettings.EnsureWritableDirectory(s.Out!);
        int threads = RuntimeSettings.ApplyThreads(s.Threads);
        var train = FashionMnist.Load(s.Data, "train");
        ISampleSource source = spec.IsVideo ? new ClipSource(train, spec.Defaults.Frames) : new ImageSource(train);
        if (!source.Shape.SequenceEqual(spec.LatentShape))
            throw new UsageException($"sample shape [{string.Join(", ", source.Shape)}] does not match the model's latent [{string.Join(", ", spec.LatentShape)}]");
        var options = new TrainOptions
        {
            BatchSize = s.Batch,
            LearningRate = s.LearningRate,
            Seed = s.Seed,
            MaxSteps = s.MaxSteps ?? int.MaxValue,
            MaxTime = TimeSpan.FromMinutes(s.Minutes),
            CheckpointEvery = TimeSpan.FromMinutes(s.CheckpointMinutes),
        };
        using var model = new DitModel(spec.Config);
        var checkpoint = Path.Combine(s.Out!, "checkpoint.safetensors");
        if (s.Init is not null) WeightLoader.LoadInto(model, [s.Init]);
        else model.InitializeWeights(s.Seed, zeroOutput: true);
        using var trainer = new FlowTrainer(model, source, options);
        if (s.Resume)
        {
            if (!File.Exists(checkpoint)) throw new UsageException($"--resume: no checkpoint at {checkpoint}");
            trainer.LoadCheckpoint(checkpoint);
        }
        AnsiConsole.MarkupLine($"training {spec.Name}: {model.parameters().Sum(p => p.numel()) / 1e6:F2}M parameters, batch {s.Batch}, " +
                               $"from step {trainer.Step}, {s.Minutes} min, threads {threads}");
        var lossLog = Path.Combine(s.Out!, "loss.csv");
        if (!File.Exists(lossLog)) File.WriteAllText(lossLog, "step,loss,loss_ema,lr,seconds\n");
        using (var writer = new StreamWriter(lossLog, append: true))
        {
            trainer.Train(checkpoint, p =>
            {
                writer.WriteLine(string.Join(",", p.Step, p.Loss.ToString("G6", CultureInfo.InvariantCulture),
                    p.LossEma.ToString("G6", CultureInfo.InvariantCulture), p.LearningRate.ToString("G4", CultureInfo.InvariantCulture),
                    p.Seconds.ToString("F3", CultureInfo.InvariantCulture)));
                if (p.Step % 50 == 0)
                {
                    writer.Flush();
                    Console.WriteLine($"step {p.Step} loss_ema {p.LossEma:F4} ({p.Seconds:F2} s/step)");
                }
            }, cancellationToken);
        }
        AnsiConsole.MarkupLine($"stopped at step {trainer.Step} (loss_ema {trainer.LossEma:F4}, {trainer.ElapsedSeconds / 60:F1} min of training in total); checkpoint {Markup.Escape(checkpoint)}");
        if (s.Export is not null)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(s.Export))!;
            Directory.CreateDirectory(dir);
            var meta = new Dictionary<string, string>
            {
                ["model"] = spec.Name,
                ["step"] = trainer.Step.ToString(CultureInfo.InvariantCulture),
                ["train_minutes"] = (trainer.ElapsedSeconds / 60).ToString("F1", CultureInfo.InvariantCulture),
                ["config"] = JsonSerializer.Serialize(spec.Config),
            };
            meta["weights"] = s.ExportSource;
            if (s.ExportSource == "ema") trainer.ExportEma(s.Export, meta);
            else trainer.ExportModel(s.Export, meta);
            AtomicFile.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(spec.Config, ReportJson.Options));
            AnsiConsole.MarkupLine($"exported {s.ExportSource} weights to {Markup.Escape(s.Export)}");
        }
        return 0;
    }
}
