using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Jano.Core.IO;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Jano.Models.FrameAutoencoder;
using Jano.Training;
using Jano.Training.Scenes;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Cli.Commands;

/// <summary><c>jano train-autoencoder</c>: trains the per-frame autoencoder of the scenes video model on training-split
/// scenes (resumable), measures reconstruction PSNR on held-out scenes, and exports the model folder with its latent
/// statistics.</summary>
public sealed class TrainAutoencoderCommand : Command<TrainAutoencoderCommand.Settings>
{
    /// <summary>Seed of the held-out clips the PSNR is measured on.</summary>
    public const int EvalSeed = 20_001;

    /// <summary>Seed of the training clips the latent statistics are measured on.</summary>
    public const int StatsSeed = 20_002;

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--out <DIR>")][Description("Run folder: checkpoint.safetensors, loss.csv, eval.json.")]
        public string? Out { get; init; }
        [CommandOption("--minutes <M>")][Description("Wall-time budget of this call (0: only evaluate/export/preview).")][DefaultValue(35.0)]
        public double Minutes { get; init; } = 35;
        [CommandOption("--max-steps <N>")][Description("Total steps; the cosine learning-rate decay ends here.")][DefaultValue(20000)]
        public int MaxSteps { get; init; } = 20_000;
        [CommandOption("--batch <N>")][DefaultValue(16)]
        public int Batch { get; init; } = 16;
        [CommandOption("--crop <N>")][Description("Side of the random training crops.")][DefaultValue(32)]
        public int Crop { get; init; } = 32;
        [CommandOption("--lr <LR>")][DefaultValue(1e-3)]
        public double LearningRate { get; init; } = 1e-3;
        [CommandOption("--latent-channels <N>")][DefaultValue(8)]
        public int LatentChannels { get; init; } = 8;
        [CommandOption("--checkpoint-minutes <M>")][DefaultValue(5.0)]
        public double CheckpointMinutes { get; init; } = 5;
        [CommandOption("--resume")][Description("Continue from the run folder's checkpoint.")]
        public bool Resume { get; init; }
        [CommandOption("--l1-weight <W>")][Description("Weight of the L1 loss.")][DefaultValue(1.0)]
        public double L1Weight { get; init; } = 1.0;
        [CommandOption("--mse-weight <W>")][Description("Weight of the mean squared error.")][DefaultValue(1.0)]
        public double MseWeight { get; init; } = 1.0;
        [CommandOption("--edge-weight <W>")][Description("Weight of the L1 loss on pixel differences.")][DefaultValue(0.5)]
        public double EdgeWeight { get; init; } = 0.5;
        [CommandOption("--eval-split <NAME>")][Description("held-out (default) or train: the split eval.json's PSNR is measured on.")][DefaultValue("held-out")]
        public string EvalSplit { get; init; } = "held-out";
        [CommandOption("--freeze-encoder")][Description("Train the decoder only (keeps the latent space a DiT was trained on).")]
        public bool FreezeEncoder { get; init; }
        [CommandOption("--export <DIR>")][Description("Write the model folder (model.safetensors, config.json with latent statistics) here.")]
        public string? Export { get; init; }
        [CommandOption("--eval-clips <N>")][Description("Held-out clips for the PSNR (0: skip).")][DefaultValue(64)]
        public int EvalClips { get; init; } = 64;
        [CommandOption("--stats-clips <N>")][Description("Training clips for the latent statistics.")][DefaultValue(256)]
        public int StatsClips { get; init; } = 256;
        [CommandOption("--data-grid <PNG>")][Description("Write a grid of training and held-out clips here.")]
        public string? DataGrid { get; init; }
        [CommandOption("--recon-grid <PNG>")][Description("Write held-out clips and their reconstructions here.")]
        public string? ReconGrid { get; init; }
        [CommandOption("--data <DIR>")][DefaultValue(FashionMnist.DefaultDirectory)]
        public string Data { get; init; } = FashionMnist.DefaultDirectory;
        [CommandOption("--seed <N>")][DefaultValue(1L)]
        public long Seed { get; init; } = 1;
        [CommandOption("--threads <N>")]
        public int? Threads { get; init; }

        public override ValidationResult Validate()
        {
            if (Out is null) return ValidationResult.Error("--out is required");
            if (!(Minutes >= 0)) return ValidationResult.Error("--minutes must not be negative");
            if (EvalSplit is not ("held-out" or "train")) return ValidationResult.Error("--eval-split must be held-out or train");
            if (EvalClips < 0 || StatsClips < 1) return ValidationResult.Error("--eval-clips must not be negative and --stats-clips must be positive");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        RuntimeSettings.EnsureWritableDirectory(s.Out!);
        int threads = RuntimeSettings.ApplyThreads(s.Threads);
        var train = SceneSource.Load(s.Data, SceneSplit.Train);
        var heldOut = SceneSource.Load(s.Data, SceneSplit.HeldOut);
        if (s.DataGrid is not null)
        {
            WriteDataGrid(s.DataGrid, train, heldOut);
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(s.DataGrid)}");
        }
        var options = new AutoencoderTrainOptions
        {
            BatchSize = s.Batch,
            CropSize = s.Crop,
            LearningRate = s.LearningRate,
            MaxSteps = s.MaxSteps,
            Seed = s.Seed,
            MaxTime = TimeSpan.FromMinutes(s.Minutes),
            CheckpointEvery = TimeSpan.FromMinutes(s.CheckpointMinutes),
            FreezeEncoder = s.FreezeEncoder,
            L1Weight = s.L1Weight,
            MseWeight = s.MseWeight,
            EdgeWeight = s.EdgeWeight,
        };
        using var model = new FrameAutoencoderModel(new FrameAutoencoderConfig { LatentChannels = s.LatentChannels });
        model.InitializeWeights(s.Seed);
        using var trainer = new AutoencoderTrainer(model, train, options);
        var checkpoint = Path.Combine(s.Out!, "checkpoint.safetensors");
        if (s.Resume)
        {
            if (!File.Exists(checkpoint)) throw new ArgumentException($"--resume: no checkpoint at {checkpoint}");
            trainer.LoadCheckpoint(checkpoint);
            var resumes = Path.Combine(s.Out!, "resumes.csv");
            if (s.Minutes > 0) // a run that only evaluates, previews or exports is not a resume of training
            {
                if (!File.Exists(resumes)) File.WriteAllText(resumes, "step,wall_s,cpu_s,loss_ema,threads,lr,max_steps\n");
                File.AppendAllText(resumes, string.Join(",", trainer.Step.ToString(CultureInfo.InvariantCulture), F(trainer.WallSeconds, "F1"),
                    F(trainer.CpuSeconds, "F1"), F(trainer.LossEma, "G6"), threads.ToString(CultureInfo.InvariantCulture), F(s.LearningRate, "G4"),
                    s.MaxSteps.ToString(CultureInfo.InvariantCulture)) + "\n");
            }
        }
        if (s.Minutes > 0)
        {
            AnsiConsole.MarkupLine($"training the frame autoencoder: {model.parameters().Sum(p => p.numel()) / 1e6:F2}M parameters, batch {s.Batch} " +
                                   $"crops of {s.Crop}, from step {trainer.Step}, {s.Minutes} min, threads {threads}");
            var lossLog = Path.Combine(s.Out!, "loss.csv");
            if (!File.Exists(lossLog)) File.WriteAllText(lossLog, "step,loss,loss_ema,lr,seconds,wall_s,cpu_s\n");
            using var writer = new StreamWriter(lossLog, append: true) { AutoFlush = true };
            trainer.Train(checkpoint, p =>
            {
                writer.WriteLine(string.Join(",", p.Step.ToString(CultureInfo.InvariantCulture), F(p.Loss, "G6"), F(p.LossEma, "G6"),
                    F(p.LearningRate, "G4"), F(p.Seconds, "F3"), F(p.WallSeconds, "F1"), F(p.CpuSeconds, "F1")));
                if (p.Step % 100 == 0)
                {
                    writer.Flush();
                    Console.WriteLine($"step {p.Step} loss_ema {F(p.LossEma, "F5")} ({F(p.Seconds, "F2")} s/step, {F(p.WallSeconds / 60, "F1")} min)");
                }
            }, cancellationToken);
            AnsiConsole.MarkupLine($"stopped at step {trainer.Step} (loss_ema {F(trainer.LossEma, "F5")}, {F(trainer.WallSeconds / 60, "F1")} min wall, " +
                                   $"{F(trainer.CpuSeconds / 3600, "F2")} CPU-hours in total; {trainer.SkippedSteps} step(s) skipped for a non-finite gradient)");
        }
        model.eval();
        if (s.EvalClips > 0)
        {
            var q = AutoencoderEvaluation.Measure(model, s.EvalSplit == "train" ? train : heldOut, s.EvalClips, EvalSeed);
            var report = new Dictionary<string, object>
            {
                ["step"] = trainer.Step,
                ["wall_minutes"] = Math.Round(trainer.WallSeconds / 60, 2),
                ["cpu_hours"] = Math.Round(trainer.CpuSeconds / 3600, 3),
                ["split"] = s.EvalSplit,
                ["clips"] = q.Clips,
                ["psnr_db"] = Math.Round(q.Psnr, 3),
                ["mean_clip_psnr_db"] = Math.Round(q.MeanClipPsnr, 3),
                ["min_clip_psnr_db"] = Math.Round(q.MinClipPsnr, 3),
            };
            AtomicFile.WriteAllText(Path.Combine(s.Out!, s.EvalSplit == "train" ? "eval-train.json" : "eval.json"), JsonSerializer.Serialize(report, ReportJson.Options));
            Console.WriteLine($"{s.EvalSplit} PSNR {F(q.Psnr, "F2")} dB over {q.Clips} clips (mean per clip {F(q.MeanClipPsnr, "F2")}, min {F(q.MinClipPsnr, "F2")})");
        }
        if (s.ReconGrid is not null)
        {
            WriteReconGrid(s.ReconGrid, model, heldOut);
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(s.ReconGrid)}");
        }
        if (s.Export is not null)
        {
            // a frozen encoder keeps the statistics the DiT was trained with (re-measuring could differ in the last bits)
            var previous = Path.Combine(s.Export, FrameAutoencoderModel.ConfigFileName);
            var kept = s.FreezeEncoder && File.Exists(previous)
                ? JsonSerializer.Deserialize<FrameAutoencoderConfig>(File.ReadAllText(previous))
                : null;
            var (mean, std) = kept?.LatentsMean is not null
                ? (kept.LatentsMean, kept.LatentsStd!)
                : AutoencoderEvaluation.LatentStats(model, train, s.StatsClips, StatsSeed);
            model.SetLatentStats(mean, std);
            model.Save(s.Export, new Dictionary<string, string>
            {
                ["step"] = trainer.Step.ToString(CultureInfo.InvariantCulture),
                ["train_minutes"] = F(trainer.WallSeconds / 60, "F1"),
            });
            Console.WriteLine($"latent mean [{string.Join(", ", mean.Select(v => F(v, "F3")))}] std [{string.Join(", ", std.Select(v => F(v, "F3")))}]");
            AnsiConsole.MarkupLine($"exported {Markup.Escape(s.Export)}");
        }
        return 0;
    }

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    // Four training clips, then four held-out clips (fixed seeds), one per row.
    private static void WriteDataGrid(string path, SceneSource train, SceneSource heldOut)
    {
        using var scope = NewDisposeScope();
        var clips = new List<Tensor>();
        var captions = new List<string?>();
        foreach (var (source, seed) in new[] { (train, 11), (heldOut, 12) })
        {
            var rng = new Random(seed);
            var buffer = new float[source.Shape.Aggregate(1L, (a, b) => a * b)];
            for (int i = 0; i < 4; i++)
            {
                var clip = source.Draw(rng, rng.Next(10));
                source.Render(clip, buffer);
                clips.Add(torch.tensor(buffer, source.Shape));
                captions.Add($"{source.Split.Name}: {FashionMnistClasses.Names[clip.Label]}, background {clip.BackgroundSeed}");
            }
        }
        ScenePreview.Write(path, torch.stack(clips), captions);
    }

    // Four held-out clips, each followed by its reconstruction.
    private static void WriteReconGrid(string path, FrameAutoencoderModel model, SceneSource heldOut)
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var rng = new Random(EvalSeed);
        var buffer = new float[heldOut.Shape.Aggregate(1L, (a, b) => a * b)];
        var rows = new List<Tensor>();
        var captions = new List<string?>();
        for (int i = 0; i < 4; i++)
        {
            heldOut.NextSample(rng, buffer);
            var x = torch.tensor(buffer, [1, .. heldOut.Shape]);
            rows.Add(x[0]);
            rows.Add(model.DecodeVideo(model.EncodeVideo(x))[0]);
            captions.Add("held-out clip");
            captions.Add("reconstruction");
        }
        ScenePreview.Write(path, torch.stack(rows), captions);
    }
}
