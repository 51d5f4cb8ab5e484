using Jano.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Jano.Cli;

/// <summary>Entry point of the <c>jano</c> command. Exit codes: 0 ok, 2 usage error, 1 runtime failure, 130 interrupted.</summary>
public static class CliApp
{
    public static int Run(string[] args)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("jano");
            config.SetApplicationVersion(Jano.Engine.Jobs.RuntimeSettings.Version);
            config.PropagateExceptions();
            config.AddCommand<GenerateCommand>("generate").WithDescription("Generate an image or video, optionally accelerated (--accel jano) and compared against full compute (--compare).")
                .WithExample("generate", "--prompt", "sneaker", "--accel", "jano", "--compare");
            config.AddCommand<BenchCommand>("bench").WithDescription("Benchmark full compute against every accelerator and setting (speedup, PSNR/SSIM, ideal speedup).")
                .WithExample("bench", "--quick", "--threads", "1");
            config.AddCommand<CalibrateCommand>("calibrate").WithDescription("Fit TeaCache coefficients, MagCache ratios and Jano's cost/quality table for a model (calibration seeds, never the bench's).")
                .WithExample("calibrate", "--model", "fmnist-video", "--threads", "2");
            config.AddCommand<ModelsCommand>("models").WithDescription("List the models and accelerators this build knows.");
            config.AddCommand<TrainCommand>("train").WithDescription("Train a Fashion-MNIST model (rectified flow, resumable checkpoints).");
            config.AddCommand<TrainAutoencoderCommand>("train-autoencoder").WithDescription("Train the frame autoencoder of the scenes video model (resumable; held-out PSNR, latent statistics).");
            config.AddCommand<TrainScenesCommand>("train-scenes").WithDescription("Train the scenes latent video DiT (compact resumable checkpoints, sample-grid previews).");
            config.AddCommand<TrainClassifierCommand>("train-classifier").WithDescription("Train the classifier that `jano eval` uses for a model (writes assets/classifiers/).");
            config.AddCommand<EvalCommand>("eval").WithDescription("Evaluate a model: class accuracy, Fréchet distance, Jano vs full quality, level distribution.");
            config.AddCommand<InspectCommand>("inspect").WithDescription("Check a Wan2.1 checkpoint folder (DiT keys/shapes by header, T5, VAE, tokenizer, config.json) and list what is missing.")
                .WithExample("inspect", "Wan2.1-T2V-1.3B");
            config.AddCommand<AnalyzeCommand>("analyze").WithDescription("Run Jano's complexity analysis on stored features, or the Section-3 study on a model.");
        });
        try
        {
            return app.Run(args);
        }
        catch (Exception e)
        {
            return Fail(e);
        }
    }

    /// <summary>Prints one line for <paramref name="e"/> as the last line on stderr and maps it to an exit code.</summary>
    public static int Fail(Exception e)
    {
        var (code, message) = e switch
        {
            OperationCanceledException => (130, "interrupted; no partial outputs were left"),
            CommandParseException or CommandRuntimeException or ArgumentException => (2, e.Message),
            _ => (1, e.Message),
        };
        Console.Error.WriteLine($"jano: error: {OneLine(message)}");
        return code;
    }

    private static string OneLine(string s) => string.Join(" ", s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>True when progress bars may be drawn (an interactive terminal).</summary>
    public static bool Interactive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Folder of the shipped assets (models, classifiers): <c>assets/</c> at the repository root, found from the binary upward.</summary>
    public static string AssetsRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "assets");
                if (Directory.Exists(Path.Combine(candidate, "models")) || Directory.Exists(Path.Combine(candidate, "classifiers"))) return candidate;
            }
            return Path.Combine(AppContext.BaseDirectory, "assets");
        }
    }
}
