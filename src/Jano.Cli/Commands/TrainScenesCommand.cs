using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Jano.Core;
using Jano.Core.IO;
using Jano.Core.Weights;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Jano.Models.Dit;
using Jano.Models.FrameAutoencoder;
using Jano.Training;
using Jano.Training.Scenes;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Jano.Cli.Commands;

/// <summary><c>jano train-scenes</c>: rectified-flow training of the scenes latent video DiT (<see cref="SceneVideoModel"/>)
/// on training-split scenes encoded by the frame autoencoder; compact resumable checkpoints; sample-grid previews.</summary>
public sealed class TrainScenesCommand : Command<TrainScenesCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--autoencoder <DIR>")][Description("Frame autoencoder folder (model.safetensors, config.json with latent statistics).")]
        public string? Autoencoder { get; init; }
        [CommandOption("--out <DIR>")][Description("Run folder: checkpoint.safetensors (compact), loss.csv, resumes.csv.")]
        public string? Out { get; init; }
        [CommandOption("--minutes <M>")][Description("Wall-time budget of this call (0: only preview/export).")][DefaultValue(60.0)]
        public double Minutes { get; init; } = 60;
        [CommandOption("--max-steps <N>")][Description("Stop at this total step count.")]
        public int? MaxSteps { get; init; }
        [CommandOption("--decay-steps <N>")][Description("Decay the learning rate linearly to zero over the last N steps before --max-steps.")][DefaultValue(0)]
        public int DecaySteps { get; init; }
        [CommandOption("--batch <N>")][DefaultValue(8)]
        public int Batch { get; init; } = 8;
        [CommandOption("--frame-steps <N>")][Description("Joint image-video training: N steps on single frames of training scenes after each step on clips (0: clips only).")][DefaultValue(0)]
        public int FrameSteps { get; init; }
        [CommandOption("--frame-batch <N>")][Description("Frames per frame step (64 frames hold as many tokens as 8 clips).")][DefaultValue(64)]
        public int FrameBatch { get; init; } = 64;
        [CommandOption("--lr <LR>")][DefaultValue(3e-4)]
        public double LearningRate { get; init; } = 3e-4;
        [CommandOption("--resume-warmup <N>")][Description("Learning-rate warm-up steps after a resume (fresh optimizer moments).")][DefaultValue(100)]
        public int ResumeWarmup { get; init; } = 100;
        [CommandOption("--checkpoint-minutes <M>")][DefaultValue(10.0)]
        public double CheckpointMinutes { get; init; } = 10;
        [CommandOption("--resume")][Description("Continue from the run folder's compact checkpoint.")]
        public bool Resume { get; init; }
        [CommandOption("--init <FILE>")][Description("Start from exported weights (the shipped model.safetensors: weights and EMA both, step and times from its metadata) instead of --resume.")]
        public string? Init { get; init; }
        [CommandOption("--preview <PNG>")][Description("After training, write a grid of EMA samples (one row per class) here.")]
        public string? Preview { get; init; }
        [CommandOption("--preview-steps <N>")][DefaultValue(30)]
        public int PreviewSteps { get; init; } = 30;
        [CommandOption("--shift <S>")][DefaultValue(1.0)]
        public double Shift { get; init; } = 1.0;
        [CommandOption("--guidance <G>")][DefaultValue(3.0)]
        public double Guidance { get; init; } = 3.0;
        [CommandOption("--preview-seed <N>")][DefaultValue(7L)]
        public long PreviewSeed { get; init; } = 7;
        [CommandOption("--export <FILE>")][Description("Write the EMA weights here (plus config.json beside it).")]
        public string? Export { get; init; }
        [CommandOption("--data <DIR>")][DefaultValue(FashionMnist.DefaultDirectory)]
        public string Data { get; init; } = FashionMnist.DefaultDirectory;
        [CommandOption("--seed <N>")][DefaultValue(1L)]
        public long Seed { get; init; } = 1;
        [CommandOption("--threads <N>")]
        public int? Threads { get; init; }

        public override ValidationResult Validate()
        {
            if (Autoencoder is null) return ValidationResult.Error("--autoencoder is required");
            if (Out is null) return ValidationResult.Error("--out is required");
            if (!(Minutes >= 0)) return ValidationResult.Error("--minutes must not be negative");
            if (PreviewSteps < 1) return ValidationResult.Error("--preview-steps must be at least 1");
            if (DecaySteps < 0) return ValidationResult.Error("--decay-steps must not be negative");
            if (FrameSteps < 0) return ValidationResult.Error("--frame-steps must not be negative");
            if (FrameBatch < 1) return ValidationResult.Error("--frame-batch must be at least 1");
            if (DecaySteps > 0 && MaxSteps is null) return ValidationResult.Error("--decay-steps needs --max-steps");
            if (Resume && Init is not null) return ValidationResult.Error("--resume and --init exclude each other");
            if (Init is not null && !File.Exists(Init)) return ValidationResult.Error($"--init: no file {ErrorText.Quote(Init)}");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        RuntimeSettings.EnsureWritableDirectory(s.Out!);
        int threads = RuntimeSettings.ApplyThreads(s.Threads);
        using var autoencoder = FrameAutoencoderModel.Load(s.Autoencoder!);
        var scenes = SceneSource.Load(s.Data, SceneSplit.Train, SceneVideoModel.Frames);
        var source = new LatentSceneSource(scenes, autoencoder);
        if (!source.Shape.SequenceEqual(SceneVideoModel.LatentShape))
            throw new ArgumentException($"latent shape [{string.Join(", ", source.Shape)}] does not match the DiT's [{string.Join(", ", SceneVideoModel.LatentShape)}]");
        // single frames of training scenes (an item at a random place on a background) for joint image-video training
        var frameSource = s.FrameSteps > 0 ? new LatentSceneSource(SceneSource.Load(s.Data, SceneSplit.Train, frames: 1), autoencoder) : null;
        var options = new TrainOptions
        {
            BatchSize = s.Batch,
            LearningRate = s.LearningRate,
            Seed = s.Seed,
            MaxSteps = s.MaxSteps ?? int.MaxValue,
            MaxTime = TimeSpan.FromMinutes(s.Minutes),
            CheckpointEvery = TimeSpan.FromMinutes(s.CheckpointMinutes),
            CompactCheckpoints = true,
            ResumeWarmupSteps = s.ResumeWarmup,
            DecaySteps = s.DecaySteps,
            FrameStepsPerClipStep = s.FrameSteps,
            FrameBatchSize = s.FrameBatch,
        };
        using var model = new DitModel(SceneVideoModel.Dit);
        model.InitializeWeights(s.Seed, zeroOutput: true);
        using var trainer = new FlowTrainer(model, source, options, frameSource);
        var checkpoint = Path.Combine(s.Out!, "checkpoint.safetensors");
        var lossLog = Path.Combine(s.Out!, "loss.csv");
        if (s.Resume || s.Init is not null)
        {
            if (s.Init is not null) trainer.LoadExported(s.Init);
            else if (!File.Exists(checkpoint)) throw new ArgumentException($"--resume: no checkpoint at {checkpoint}");
            else trainer.LoadCompact(checkpoint);
            var resumes = Path.Combine(s.Out!, "resumes.csv");
            if (s.Minutes > 0) // a run that only evaluates, previews or exports is not a resume of training
            {
                CsvLog.EnsureColumns(resumes, ResumesHeader, ",0,64");
                File.AppendAllText(resumes, string.Join(",", trainer.Step.ToString(CultureInfo.InvariantCulture), F(trainer.WallSeconds, "F1"),
                    F(trainer.CpuSeconds, "F1"), F(trainer.LossEma, "G6"), threads.ToString(CultureInfo.InvariantCulture),
                    s.ResumeWarmup.ToString(CultureInfo.InvariantCulture), F(s.LearningRate, "G4"),
                    s.FrameSteps.ToString(CultureInfo.InvariantCulture), s.FrameBatch.ToString(CultureInfo.InvariantCulture)) + "\n");
            }
        }
        if (s.Minutes > 0)
        {
            AnsiConsole.MarkupLine($"training the scenes DiT: {model.parameters().Sum(p => p.numel()) / 1e6:F2}M parameters, batch {s.Batch}, " +
                                   $"from step {trainer.Step}, {s.Minutes} min, threads {threads}");
            CsvLog.EnsureColumns(lossLog, LossHeader, ",clip");
            using var writer = new StreamWriter(lossLog, append: true) { AutoFlush = true };
            trainer.Train(checkpoint, p =>
            {
                writer.WriteLine(string.Join(",", p.Step.ToString(CultureInfo.InvariantCulture), F(p.Loss, "G6"), F(p.LossEma, "G6"),
                    F(p.LearningRate, "G4"), F(p.Seconds, "F3"), F(p.WallSeconds, "F1"), F(p.CpuSeconds, "F1"), p.FrameStep ? "frame" : "clip"));
                if (p.Step % 25 == 0)
                {
                    writer.Flush();
                    var frameLoss = s.FrameSteps > 0 ? $", frame loss_ema {F(p.FrameLossEma, "F4")}" : "";
                    Console.WriteLine($"step {p.Step} loss_ema {F(p.LossEma, "F4")}{frameLoss} ({F(p.Seconds, "F2")} s/step, {F(p.WallSeconds / 60, "F1")} min wall, {F(p.CpuSeconds / 3600, "F2")} CPU-h)");
                }
            }, cancellationToken);
            AnsiConsole.MarkupLine($"stopped at step {trainer.Step} (loss_ema {F(trainer.LossEma, "F4")}, {F(trainer.WallSeconds / 60, "F1")} min wall, " +
                                   $"{F(trainer.CpuSeconds / 3600, "F2")} CPU-hours in total; {trainer.SkippedSteps} step(s) skipped for a non-finite gradient); " +
                                   $"checkpoint {Markup.Escape(checkpoint)}");
        }
        trainer.ApplyEma();
        model.eval();
        if (s.Preview is not null)
        {
            var labels = Enumerable.Range(0, 10).ToArray();
            var seeds = labels.Select(l => s.PreviewSeed * 1000 + l).ToArray();
            using var videos = SceneVideoSampler.Sample(model, autoencoder, labels, seeds, SceneVideoModel.LatentShape, s.PreviewSteps, s.Shift, s.Guidance);
            ScenePreview.Write(s.Preview, videos, labels.Select(l => (string?)$"{FashionMnistClasses.Names[l]} (step {trainer.Step}, " +
                $"{s.PreviewSteps} steps, shift {F(s.Shift, "G3")}, guidance {F(s.Guidance, "G3")})").ToArray());
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(s.Preview)}");
        }
        if (s.Export is not null)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(s.Export))!;
            Directory.CreateDirectory(dir);
            var metadata = trainer.ProgressMetadata();
            metadata["model"] = "scenes-video";
            metadata["train_minutes"] = F(trainer.WallSeconds / 60, "F1");
            metadata["config"] = JsonSerializer.Serialize(SceneVideoModel.Dit);
            metadata["weights"] = "ema";
            trainer.ExportEma(s.Export, metadata);
            AtomicFile.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(SceneVideoModel.Dit, ReportJson.Options));
            AnsiConsole.MarkupLine($"exported EMA weights to {Markup.Escape(s.Export)}");
        }
        return 0;
    }

    private const string LossHeader = "step,loss,loss_ema,lr,seconds,wall_s,cpu_s,kind";
    private const string ResumesHeader = "step,wall_s,cpu_s,loss_ema,threads,resume_warmup,lr,frame_steps,frame_batch";

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
