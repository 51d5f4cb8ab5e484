using System.ComponentModel;
using Jano.Core;
using Jano.Server.Queue;
using Jano.Server.Workers;
using Spectre.Console.Cli;

namespace Jano.Cli.Commands;

/// <summary><c>jano worker</c>: runs queued jobs from a shared queue database for the models this machine holds, until
/// Ctrl+C or SIGTERM (the running job then goes back to the queue).</summary>
public sealed class WorkerCommand : Command<WorkerCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--db <CONNSTRING>")][Description("The server's queue database: PostgreSQL (Host=...;Database=...;Username=...) or SQLite (Data Source=FILE) on this machine.")]
        public string? Db { get; init; }
        [CommandOption("--data <DIR>")][Description("Folder for job files while they are written.")][DefaultValue("jano-worker")]
        public string Data { get; init; } = "jano-worker";
        [CommandOption("--model-dir <DIR>")][Description("A checkpoint folder to hold, named by its folder name; may repeat.")]
        public string[] ModelDir { get; init; } = [];
        [CommandOption("--model <NAME>")][Description("A catalog model to hold; may repeat (default: every catalog model whose weights are present).")]
        public string[] Model { get; init; } = [];
        [CommandOption("--threads <N>")][Description("Intra-op CPU threads.")]
        public int? Threads { get; init; }
        [CommandOption("--lease <SECONDS>")][Description("How long this worker may go silent before its job goes back to the queue.")][DefaultValue(30)]
        public int Lease { get; init; } = 30;
        [CommandOption("--max-attempts <K>")][Description("Claims per job before a lost lease fails it.")][DefaultValue(3)]
        public int MaxAttempts { get; init; } = 3;

        public override Spectre.Console.ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Db)) return Spectre.Console.ValidationResult.Error("--db is required (the queue database the server uses)");
            if (Lease is < 2 or > 3600) return Spectre.Console.ValidationResult.Error("--lease: 2 to 3600 seconds");
            if (MaxAttempts is < 1 or > 100) return Spectre.Console.ValidationResult.Error("--max-attempts: 1 to 100");
            return Spectre.Console.ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(s.Data);
        using var queue = JobStores.Open(s.Db, s.Data);
        using var models = ModelHost.Load(s.Model.Length == 0 ? null : s.Model, s.ModelDir,
            new JanoLoadOptions { AssetsPath = CliApp.AssetsRoot, Threads = s.Threads });
        queue.InitializeAsync(cancellationToken).GetAwaiter().GetResult();
        var worker = new QueueWorker(queue, models, new WorkerOptions
        {
            Lease = TimeSpan.FromSeconds(s.Lease), MaxAttempts = s.MaxAttempts, WorkDir = Path.Combine(s.Data, "work"),
        }, Log);
        Console.Out.WriteLine($"jano worker: {worker.Id} on {queue.Describe}; models: {string.Join(", ", models.Names)}");
        Console.Out.Flush();
        worker.RunAsync(cancellationToken).GetAwaiter().GetResult();
        return 0;
    }

    private static void Log(string line)
    {
        Console.Error.WriteLine($"jano worker: {ErrorText.Escape(line)}");
        Console.Error.Flush();
    }
}
