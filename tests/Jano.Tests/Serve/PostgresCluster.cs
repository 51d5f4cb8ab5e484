namespace Jano.Tests.Serve;

/// <summary>A throwaway PostgreSQL cluster: <c>initdb</c> (as the <c>postgres</c> user when root, since initdb refuses root)
/// in a temporary folder, started on a random loopback port with fsync off; stopped and deleted on dispose.</summary>
internal sealed class PostgresCluster : IDisposable
{
    private readonly string _bin;
    private readonly string _dir;

    private PostgresCluster(string bin, string dir, int port)
    {
        _bin = bin;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=jano;Database=postgres;Pooling=true;Timeout=30";

    public static PostgresCluster Start(string bin)
    {
        var dir = Path.Combine(Path.GetTempPath(), "jano-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        if (Environment.UserName == "root") ServeTools.Run("chown", false, "postgres", dir);
        var data = Path.Combine(dir, "data");
        ServeTools.Run(Path.Combine(bin, "initdb"), true, "-D", data, "-U", "jano", "--auth=trust", "-E", "UTF8", "--no-sync");
        int port = ServeTools.FreePort();
        ServeTools.Run(Path.Combine(bin, "pg_ctl"), true, "-D", data, "-l", Path.Combine(dir, "log"), "-w", "-t", "60", "-o",
            $"-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=100", "start");
        return new PostgresCluster(bin, dir, port);
    }

    public void Dispose()
    {
        ServeTools.Run(Path.Combine(_bin, "pg_ctl"), true, "-D", Path.Combine(_dir, "data"), "-m", "immediate", "-w", "stop");
        Directory.Delete(_dir, recursive: true);
    }
}
