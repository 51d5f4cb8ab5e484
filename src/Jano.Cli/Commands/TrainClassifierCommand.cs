using System.ComponentModel;
using System.Globalization;
using Jano.Core;
using Jano.Engine.Catalog;
using Jano.Engine.Pipelines.Dit;
using Jano.Engine.Jobs;
using Jano.Training;
using Jano.Training.Classifier;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace Jano.Cli.Commands;

/// <summary><c>jano train-classifier</c>: trains the frame classifier that <c>jano eval</c> uses for a model.</summary>
public sealed class TrainClassifierCommand : Command<TrainClassifierCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--model <NAME>")][Description("fmnist-image (train images), fmnist-video (frames of clips built from the train split) or scenes-video (frames of training-split scenes).")]
        public string? Model { get; init; }
        [CommandOption("--epochs <N>")][Description("Epochs of 60000 frames.")][DefaultValue(3)]
        public int Epochs { get; init; } = 3;
        [CommandOption("--batch <N>")][DefaultValue(128)]
        public int Batch { get; init; } = 128;
        [CommandOption("--lr <LR>")][DefaultValue(2e-3)]
        public double LearningRate { get; init; } = 2e-3;
        [CommandOption("--seed <N>")][DefaultValue(1)]
        public int Seed { get; init; } = 1;
        [CommandOption("--threads <N>")]
        public int? Threads { get; init; }
        [CommandOption("--data <DIR>")][DefaultValue(FashionMnist.DefaultDirectory)]
        public string Data { get; init; } = FashionMnist.DefaultDirectory;
        [CommandOption("--out <FILE>")][Description("Where to write the classifier (default: the catalog's file under assets/).")]
        public string? Out { get; init; }
        [CommandOption("--deep")][Description("The deeper, group-normalised network (about 2.5x the compute at 64x64; docs/scenes-video.md).")]
        public bool Deep { get; init; }

        public override ValidationResult Validate() =>
            Model is null ? ValidationResult.Error("--model is required") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var spec = (DitModelEntry)new ModelCatalog(CliApp.AssetsRoot).Bind(DitModelEntry.Find(s.Model!));
        if (spec.ClassifierPath is not { } classifierPath) throw new UsageException($"model '{spec.Name}' has no evaluation classifier");
        var options = new ClassifierTrainOptions { Epochs = s.Epochs, BatchSize = s.Batch, LearningRate = s.LearningRate, Seed = s.Seed };
        options.Validate();
        var output = s.Out ?? classifierPath;
        RuntimeSettings.EnsureWritableDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        int threads = RuntimeSettings.ApplyThreads(s.Threads);
        var real = spec.Classifier!.RealFrames(s.Data, spec.Defaults.Frames);
        var sampler = real.TrainSampler();
        torch.manual_seed(s.Seed);
        using var model = new FrameClassifier(real.Channels, real.Side, s.Deep);
        AnsiConsole.MarkupLine($"training the {(model.Deep ? "deep " : "")}{(spec.IsVideo ? "frame " : "")}classifier for {spec.Name}: {model.parameters().Sum(p => p.numel())} parameters, " +
                               $"{s.Epochs} epoch(s) of {sampler.FramesPerEpoch} frames, batch {s.Batch}, threads {threads}");
        double seconds = ClassifierTrainer.Train(model, sampler, options, p =>
        {
            if (p.EpochEnd || p.Step % 100 == 0)
                Console.WriteLine($"epoch {p.Epoch} step {p.Step} loss {p.Loss:F4} ({p.Seconds:F0} s){(p.EpochEnd ? " epoch done" : "")}");
        }, cancellationToken);
        // Image: accuracy on the test split. Video: the ceiling, accuracy on frames of held-out clips (the same set jano
        // eval measures).
        var check = real.Ceiling(100, null, EvalJob.CeilingSeed);
        double acc = model.Classify(check.Pixels, check.Count).Accuracy(check.Labels);
        string key = spec.IsVideo ? "frame classifier ceiling" : "classifier test acc";
        model.Save(output, new Dictionary<string, string>
        {
            ["model"] = spec.Name,
            ["epochs"] = s.Epochs.ToString(CultureInfo.InvariantCulture),
            ["train_seconds"] = seconds.ToString("F0", CultureInfo.InvariantCulture),
            ["threads"] = threads.ToString(CultureInfo.InvariantCulture),
            [spec.IsVideo ? "ceiling" : "test_acc"] = acc.ToString("F4", CultureInfo.InvariantCulture),
        });
        Console.WriteLine($"{key} {acc.ToString("F2", CultureInfo.InvariantCulture)} ({check.Count} frames; exact {acc.ToString("F4", CultureInfo.InvariantCulture)})");
        Console.WriteLine($"trained in {seconds:F0} s with {threads} thread(s); wrote {Path.GetFullPath(output)} ({new FileInfo(output).Length / 1024} KiB)");
        return 0;
    }
}
