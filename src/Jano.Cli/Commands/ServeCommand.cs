using System.ComponentModel;
using Jano.Core;
using Jano.Server;
using Jano.Server.Queue;
using Jano.Server.Workers;
using Spectre.Console.Cli;

namespace Jano.Cli.Commands;

/// <summary><c>jano serve</c>: the generation server (API, page, queue, in-process workers) until Ctrl+C or SIGTERM.</summary>
public sealed class ServeCommand : Command<ServeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--port <P>")][Description("Port to listen on (0: a free one, printed).")][DefaultValue(8188)]
        public int Port { get; init; } = 8188;
        [CommandOption("--bind <ADDR>")][Description("Address to listen on; beyond loopback a token is required (--token-file).")][DefaultValue("127.0.0.1")]
        public string Bind { get; init; } = "127.0.0.1";
        [CommandOption("--data <DIR>")][Description("Folder of the SQLite queue (jano.db) and of job files while they are written.")][DefaultValue("jano-data")]
        public string Data { get; init; } = "jano-data";
        [CommandOption("--db <CONNSTRING>")][Description("Queue database: a PostgreSQL connection string (Host=...;Database=...) or SQLite (Data Source=FILE); default: SQLite in --data.")]
        public string? Db { get; init; }
        [CommandOption("--model-dir <DIR>")][Description("A checkpoint folder to hold, named by its folder name; may repeat.")]
        public string[] ModelDir { get; init; } = [];
        [CommandOption("--model <NAME>")][Description("A catalog model to hold; may repeat (default: every catalog model whose weights are present).")]
        public string[] Model { get; init; } = [];
        [CommandOption("--workers <N>")][Description("In-process workers (0: only queue; `jano worker` runs the jobs).")][DefaultValue(1)]
        public int Workers { get; init; } = 1;
        [CommandOption("--threads <N>")][Description("Intra-op CPU threads of the in-process workers.")]
        public int? Threads { get; init; }
        [CommandOption("--token-file <FILE>")][Description("File with the access token (created when missing); default beyond loopback: DATA/token.")]
        public string? TokenFile { get; init; }
        [CommandOption("--cors <ORIGIN>")][Description("Allow this one other origin to call the API (CORS).")]
        public string? Cors { get; init; }
        [CommandOption("--allow-host <NAME>")][Description("Another host name the server answers to; may repeat.")]
        public string[] AllowHost { get; init; } = [];
        [CommandOption("--lease <SECONDS>")][Description("How long a worker may go silent before its job goes back to the queue.")][DefaultValue(30)]
        public int Lease { get; init; } = 30;
        [CommandOption("--max-attempts <K>")][Description("Claims per job before a lost lease fails it.")][DefaultValue(3)]
        public int MaxAttempts { get; init; } = 3;
        [CommandOption("--max-queue <N>")][Description("Most jobs queued or running at once.")][DefaultValue(200)]
        public int MaxQueue { get; init; } = 200;
        [CommandOption("--keep <N>")][Description("Finished jobs kept with their outputs (older ones are deleted).")][DefaultValue(500)]
        public int Keep { get; init; } = 500;

        public override Spectre.Console.ValidationResult Validate()
        {
            if (Port is < 0 or > 65535) return Spectre.Console.ValidationResult.Error("--port: 0 to 65535");
            if (Workers is < 0 or > 64) return Spectre.Console.ValidationResult.Error("--workers: 0 to 64");
            if (Lease is < 2 or > 3600) return Spectre.Console.ValidationResult.Error("--lease: 2 to 3600 seconds");
            if (MaxAttempts is < 1 or > 100) return Spectre.Console.ValidationResult.Error("--max-attempts: 1 to 100");
            if (MaxQueue is < 1 or > 100_000) return Spectre.Console.ValidationResult.Error("--max-queue: 1 to 100000");
            if (Keep is < 1 or > 1_000_000) return Spectre.Console.ValidationResult.Error("--keep: 1 to 1000000");
            if (!System.Net.IPAddress.TryParse(Bind, out _) && Bind != "localhost") return Spectre.Console.ValidationResult.Error($"--bind '{Bind}': an IP address or localhost");
            return Spectre.Console.ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var options = new ServeOptions
        {
            Port = s.Port, Bind = s.Bind, DataDir = s.Data, Db = s.Db, Workers = s.Workers, TokenFile = s.TokenFile, CorsOrigin = s.Cors,
            AllowedHosts = s.AllowHost, Lease = TimeSpan.FromSeconds(s.Lease), MaxAttempts = s.MaxAttempts,
            Limits = new ServerLimits { MaxQueued = s.MaxQueue, KeepFinished = s.Keep },
        };
        Directory.CreateDirectory(s.Data);
        using var queue = JobStores.Open(s.Db, s.Data);
        using var models = ModelHost.Load(s.Model.Length == 0 ? null : s.Model, s.ModelDir,
            new JanoLoadOptions { AssetsPath = CliApp.AssetsRoot, Threads = s.Threads });
        var server = JanoServer.StartAsync(options, queue, models, Log, cancellationToken).GetAwaiter().GetResult();
        try
        {
            Console.Out.WriteLine($"jano serve: listening on {server.Address} ({queue.Describe}; models: {string.Join(", ", models.Names)}; {s.Workers} worker(s))");
            if (server.TokenPath is { } token) Console.Out.WriteLine($"jano serve: access token in {Path.GetFullPath(token)}");
            Console.Out.Flush();
            cancellationToken.WaitHandle.WaitOne();
            Log("stopping");
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return 0;
    }

    internal static void Log(string line)
    {
        Console.Error.WriteLine($"jano serve: {ErrorText.Escape(line)}");
        Console.Error.Flush();
    }
}
