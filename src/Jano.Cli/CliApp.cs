using Jano.Cli.Commands;
using Jano.Core;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Jano.Cli;

/// <summary>Entry point of the <c>jano</c> command. Exit codes: 0 ok, 2 usage error, 1 runtime failure, 130 interrupted.</summary>
public static class CliApp
{
    /// <summary>How long a job may take to stop after Ctrl+C or SIGTERM before the process exits on its own.</summary>
    public static readonly TimeSpan InterruptGrace = TimeSpan.FromSeconds(5);

    /// <summary>The commands and their settings types (for <see cref="ArgumentCheck"/>).</summary>
    private static readonly Dictionary<string, Type?> Commands = new(StringComparer.Ordinal)
    {
        ["generate"] = typeof(GenerateCommand.Settings),
        ["bench"] = typeof(BenchCommand.Settings),
        ["calibrate"] = typeof(CalibrateCommand.Settings),
        ["models"] = null,
        ["train"] = typeof(TrainCommand.Settings),
        ["train-classifier"] = typeof(TrainClassifierCommand.Settings),
        ["train-autoencoder"] = typeof(TrainAutoencoderCommand.Settings),
        ["train-scenes"] = typeof(TrainScenesCommand.Settings),
        ["eval"] = typeof(EvalCommand.Settings),
        ["inspect"] = typeof(InspectCommand.Settings),
        ["analyze"] = typeof(AnalyzeCommand.Settings),
        ["serve"] = typeof(ServeCommand.Settings),
        ["worker"] = typeof(WorkerCommand.Settings),
    };

    public static int Run(string[] args)
    {
        var outputs = new OutputFolderInterceptor();
        using var interrupts = new Interrupts(InterruptGrace, () => outputs.Rollback());
        int code;
        Exception? failure = null;
        try
        {
            ArgumentCheck.Validate(args, Commands);
            code = Build(outputs).Run(args, interrupts.Token);
            if (code != 0 && interrupts.Interrupted) failure = new OperationCanceledException();
        }
        catch (Exception e)
        {
            failure = interrupts.Interrupted ? new OperationCanceledException("interrupted", e) : e;
            code = 1;
        }
        if (!interrupts.TryFinish()) Thread.Sleep(Timeout.Infinite); // a forced exit (second signal, grace over) owns the end
        if (failure is null && code == 0)
        {
            outputs.Commit();
            return 0;
        }
        var leftovers = outputs.Rollback();
        if (failure is null) return code;
        return Fail(failure, leftovers);
    }

    private static CommandApp Build(OutputFolderInterceptor outputs)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("jano");
            config.SetApplicationVersion(Jano.Engine.Jobs.RuntimeSettings.Version);
            config.PropagateExceptions();
            config.UseStrictParsing();
            config.SetInterceptor(outputs);
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
            config.AddCommand<ServeCommand>("serve").WithDescription("Run the generation server: HTTP API, web page, live progress, a durable job queue (SQLite or PostgreSQL) and in-process workers.")
                .WithExample("serve", "--port", "8188");
            config.AddCommand<WorkerCommand>("worker").WithDescription("Run queued jobs from a server's queue database on this machine (for the models it holds).")
                .WithExample("worker", "--db", "Host=db;Database=jano;Username=jano");
            config.AddCommand<AnalyzeCommand>("analyze").WithDescription("Run Jano's complexity analysis on stored features, or the Section-3 study on a model.");
        });
        return app;
    }

    /// <summary>Prints one line for <paramref name="e"/> as the last line on stderr and maps it to an exit code:
    /// 130 interrupted, 2 a usage mistake (<see cref="UsageException"/> or a command-line parse error), 1 anything else.</summary>
    public static int Fail(Exception e) => Fail(e, []);

    private static int Fail(Exception e, IReadOnlyList<string> leftovers)
    {
        int code = e switch
        {
            OperationCanceledException => 130,
            UsageException or CommandParseException or CommandRuntimeException => 2,
            _ => 1,
        };
        string message = ErrorText.Describe(e);
        if (leftovers.Count > 0)
            message += $" (could not remove {leftovers.Count} partial output(s), e.g. {ErrorText.Quote(leftovers[0])})";
        Console.Out.Flush();
        Console.Error.WriteLine($"jano: error: {message}");
        return code;
    }

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
